// H1Connection against a real node:http server: no parser while a response is awaited or the connection idles.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type ServerResponse } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { PARK_AFTER_MS } from '../../util/parser-feed.js';
import type { UpstreamHandler } from '../upstream.js';
import { H1Connection } from './h1-connection.js';

const held: ServerResponse[] = [];
let answered: (() => void) | undefined;
const server = createServer((_req, res) => {
  held.push(res);
  answered?.();
});
let port = 0;

before(async () => {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  port = (server.address() as AddressInfo).port;
});
after(() => {
  server.closeAllConnections();
  server.close();
});

/** A connection to the test server. */
async function openConnection(): Promise<H1Connection> {
  const socket = connect({ host: '127.0.0.1', port });
  await once(socket, 'connect');
  return new H1Connection(socket, `127.0.0.1:${port}`);
}

/** Sends one GET on `conn`; resolves with the body, or rejects with the request's error. */
function get(conn: H1Connection, path: string): { sent: Promise<void>; head: Promise<void>; done: Promise<string> } {
  const sent = new Promise<void>((r) => (answered = r));
  let headSeen = (): void => undefined;
  const head = new Promise<void>((r) => (headSeen = r));
  const done = new Promise<string>((resolve, reject) => {
    let body = '';
    const handler: UpstreamHandler = {
      onConnect: () => undefined,
      onHeaders: () => {
        headSeen();
        return true;
      },
      onData: (c) => {
        body += c.toString();
        return true;
      },
      onReadEnd: () => true,
      onComplete: () => resolve(body),
      onError: reject,
      onBodySent: () => undefined,
    };
    conn.run({ method: 'GET', path, headers: ['host', 'x'], body: null, bodyLength: undefined, headersTimeout: 60_000, bodyTimeout: 60_000 }, handler, () => undefined);
  });
  return { sent, head, done };
}

describe('H1Connection > server closes', () => {
  it('destroys an idle connection as soon as the server ends it, so the pool no longer picks it', async () => {
    const conn = await openConnection();
    const socket = conn.socket;
    const r = get(conn, '/idle-then-fin');
    await r.sent;
    const res = held.shift()!;
    const serverSide = res.socket!;
    res.end('ok');
    assert.equal(await r.done, 'ok');
    conn.idleFor(60_000);
    // Runs after the connection's own 'end' listener, in the same emit: before the socket's 'close'.
    const destroyedAtEnd = new Promise<boolean>((resolve) => socket.once('end', () => resolve(socket.destroyed)));
    serverSide.end(); // the server's keep-alive timeout, as a FIN
    assert.equal(await destroyedAtEnd, true, 'destroyed when the FIN is read');
  });
});

describe('H1Connection > parser', () => {
  it('has none until the response arrives, gives it back when quiet (awaiting or idle), and parses every response whole', async () => {
    const conn = await openConnection();
    assert.ok(conn.parked, 'a fresh connection writes first and holds no parser');

    let r = get(conn, '/one');
    await r.sent;
    held.shift()!.end('first');
    assert.equal(await r.done, 'first');
    assert.equal(conn.parked, false, 'the response made a parser');

    // A long-poll: awaiting its response for longer than PARK_AFTER_MS.
    r = get(conn, '/two');
    await r.sent;
    const t = Date.now();
    conn.sweep(t); // sees the request start: quiet from here
    conn.sweep(t + PARK_AFTER_MS - 1);
    assert.equal(conn.parked, false);
    conn.sweep(t + PARK_AFTER_MS);
    assert.ok(conn.parked, 'awaiting quietly: no parser');
    held.shift()!.end('second');
    assert.equal(await r.done, 'second');

    // Idle in the pool.
    conn.idleFor(60_000);
    conn.sweep(t + 2 * PARK_AFTER_MS);
    conn.sweep(t + 3 * PARK_AFTER_MS);
    assert.ok(conn.parked, 'idle: no parser');
    r = get(conn, '/three');
    await r.sent;
    held.shift()!.end('third');
    assert.equal(await r.done, 'third');
    conn.destroy();
  });

  it('keeps its parser while a response is half read', async () => {
    const conn = await openConnection();
    const r = get(conn, '/half');
    await r.sent;
    const res = held.shift()!;
    res.writeHead(200, { 'content-length': '4' });
    res.flushHeaders();
    await r.head;
    const t = Date.now();
    conn.sweep(t);
    conn.sweep(t + 10 * PARK_AFTER_MS);
    assert.equal(conn.parked, false, 'within a message the parser holds state');
    res.end('body');
    assert.equal(await r.done, 'body');
    conn.destroy();
  });
});
