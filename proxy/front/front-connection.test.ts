// The raw front over real sockets: pipelining, Expect: 100-continue, Connection: close, HTTP/1.0, HEAD, bad input, client timeouts.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { afterEach, describe, it } from 'node:test';
import { startHarness, waitFor, type Harness } from '../testing/proxy-harness.js';
import { PARK_AFTER_MS } from '../util/parser-feed.js';
import { FrontConnection, type ConnectionHost } from './front-connection.js';
import type { FrontRequest } from './front-request.js';
import type { FrontResponse } from './front-response.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

/** A raw client connection that collects everything the proxy sends. */
async function open(port: number): Promise<{ sock: Socket; text: () => string; until: (done: (t: string) => boolean) => Promise<string>; closed: Promise<void> }> {
  const sock = connect({ host: '127.0.0.1', port });
  await new Promise<void>((r) => sock.once('connect', r));
  let text = '';
  const waiters = new Set<() => void>();
  const closed = new Promise<void>((r) => sock.once('close', () => r()));
  sock.on('data', (c: Buffer) => {
    text += c.toString('latin1');
    for (const w of waiters) w();
  });
  sock.on('error', () => undefined);
  const until = (done: (t: string) => boolean): Promise<string> =>
    new Promise((resolve, reject) => {
      const check = (): void => {
        if (!done(text)) return;
        waiters.delete(check);
        resolve(text);
      };
      waiters.add(check);
      void closed.then(() => (done(text) ? resolve(text) : reject(new Error(`connection closed; got ${JSON.stringify(text)}`))));
      check();
    });
  return { sock, text: () => text, until, closed };
}

const count = (t: string, s: string): number => t.split(s).length - 1;

describe('raw front > connections', () => {
  it('answers pipelined requests in order, one at a time, on one connection', async () => {
    h = await startHarness(1);
    const c = await open(h.proxy.address.port);
    c.sock.write('POST /v1/msgs/a/v1 HTTP/1.1\r\nhost: x\r\ncontent-length: 3\r\n\r\nabcGET /v1/status?n=2 HTTP/1.1\r\nhost: x\r\n\r\n');
    const t = await c.until((x) => count(x, '\r\n0\r\n\r\n') === 2);
    assert.ok(t.startsWith('HTTP/1.1 201 '), t);
    assert.ok(t.indexOf('"url":"/v1/msgs/a/v1"') < t.indexOf('"url":"/v1/status?n=2"'), 'responses in request order');
    c.sock.destroy();
  });

  it('sends 100 Continue before the body of an Expect: 100-continue request, and 417 for other expectations', async () => {
    h = await startHarness(1);
    const c = await open(h.proxy.address.port);
    c.sock.write('POST /v1/msgs/a/v1 HTTP/1.1\r\nhost: x\r\nexpect: 100-continue\r\ncontent-length: 5\r\n\r\n');
    await c.until((x) => x.startsWith('HTTP/1.1 100 Continue\r\n\r\n'));
    c.sock.write('hello');
    const t = await c.until((x) => x.includes('"bodyBytes":5'));
    assert.match(t, /HTTP\/1.1 201 /);
    const d = await open(h.proxy.address.port);
    d.sock.write('POST /v1/msgs/a/v1 HTTP/1.1\r\nhost: x\r\nexpect: something\r\ncontent-length: 1\r\n\r\nx');
    await d.closed;
    assert.match(d.text(), /^HTTP\/1.1 417 /);
    assert.match(d.text(), /\{"errmsg":"[^"]+"\}$/);
    c.sock.destroy();
  });

  it('answers malformed requests 400 with a JSON errmsg and closes', async () => {
    h = await startHarness(1);
    const c = await open(h.proxy.address.port);
    c.sock.write('GARBAGE\r\n\r\n');
    await c.closed;
    assert.match(c.text(), /^HTTP\/1.1 400 /);
    assert.match(c.text(), /connection: close/);
    assert.match(c.text(), /\{"errmsg":"proxy: malformed request"\}$/);
  });

  it('closes after the response when the client sends Connection: close', async () => {
    h = await startHarness(1);
    const c = await open(h.proxy.address.port);
    c.sock.write('GET /v1/status HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n');
    await c.closed;
    assert.match(c.text(), /^HTTP\/1.1 200 /);
    assert.match(c.text(), /connection: close\r\n/);
    assert.ok(c.text().endsWith('"xff":"127.0.0.1"}\r\n0\r\n\r\n'), c.text());
  });

  it('re-chunks a streamed response for HTTP/1.1, ends it with the connection for HTTP/1.0, and sends no body for HEAD', async () => {
    h = await startHarness(1);
    const a = await open(h.proxy.address.port);
    a.sock.write('GET /v1/msgs/app/t/v1?chunks=3 HTTP/1.1\r\nhost: x\r\nappid: app\r\n\r\n');
    const t = await a.until((x) => x.endsWith('0\r\n\r\n'));
    assert.match(t, /transfer-encoding: chunked\r\n/);
    assert.match(t, /8\r\nchunk-0;\r\n8\r\nchunk-1;\r\n8\r\nchunk-2;\r\n0\r\n\r\n$/);
    a.sock.destroy();
    const b = await open(h.proxy.address.port);
    b.sock.write('GET /v1/msgs/app/t/v1?chunks=2 HTTP/1.0\r\nappid: app\r\n\r\n');
    await b.closed;
    assert.doesNotMatch(b.text(), /transfer-encoding/);
    assert.ok(b.text().endsWith('\r\n\r\nchunk-0;chunk-1;'), b.text());
    const c = await open(h.proxy.address.port);
    c.sock.write('HEAD /v1/status HTTP/1.1\r\nhost: x\r\n\r\nGET /v1/status?after=head HTTP/1.1\r\nhost: x\r\n\r\n');
    const u = await c.until((x) => x.includes('after=head'));
    assert.equal(count(u, 'HTTP/1.1 200 '), 2, 'the HEAD response carried no body to confuse the next one');
    c.sock.destroy();
  });
});

describe('raw front > client half-close', () => {
  // A long-poll: a publish the gateway already has whole is left to finish (resilience.test.ts, client aborts).
  it('abandons the long-poll in flight of a client that closes its side, and closes the connection', async () => {
    h = await startHarness(1);
    const c = await open(h.proxy.address.port);
    c.sock.write('GET /v1/msgs/a/t/v1?group=g HTTP/1.1\r\nhost: x\r\nappid: a\r\nx-hold: hc\r\n\r\n');
    await h.gateways[0]!.held('hc');
    c.sock.end();
    await c.closed;
    const g = h.gateways[0]!;
    await waitFor(() => g.abandoned === 1, 3_000, 'the upstream request to be closed');
  });
});

describe('raw front > client timeouts', () => {
  it('answers 408 when the head does not arrive within headersTimeoutMs, and closes idle keep-alive connections', async () => {
    h = await startHarness(1, { client: { headersTimeoutMs: 150, keepAliveTimeoutMs: 150 } });
    const slow = await open(h.proxy.address.port);
    slow.sock.write('GET /v1/status HTTP/1.1\r\nhost: x\r\n');
    await slow.closed;
    assert.match(slow.text(), /^HTTP\/1.1 408 Request Timeout\r\n/);
    assert.match(slow.text(), /\r\n\r\n\{"errmsg":"proxy: request timed out"\}$/);
    const idle = await open(h.proxy.address.port);
    idle.sock.write('GET /v1/status HTTP/1.1\r\nhost: x\r\n\r\n');
    await idle.until((x) => x.endsWith('\r\n0\r\n\r\n'));
    await idle.closed; // closed by the proxy once idle past keepAliveTimeoutMs
    assert.equal(count(idle.text(), 'HTTP/1.1 '), 1);
  });
});

describe('raw front > parser', () => {
  /** A FrontConnection on the server end of a real socket; requests wait in `served` to be answered by the test. */
  async function direct(upgrade: ConnectionHost['upgrade'] = (_req, socket) => socket.destroy()): Promise<{ conn: FrontConnection; client: Awaited<ReturnType<typeof open>>; served: () => Promise<{ req: FrontRequest; res: FrontResponse }>; stop: () => void }> {
    const queue: { req: FrontRequest; res: FrontResponse }[] = [];
    let notify: (() => void) | undefined;
    let conn: FrontConnection | undefined;
    const host: ConnectionHost = {
      draining: false,
      request: (req, res) => {
        queue.push({ req, res });
        notify?.();
      },
      upgrade,
      forget: () => undefined,
    };
    const server = createServer({ allowHalfOpen: true }, (s) => (conn = new FrontConnection(s, host)));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const client = await open((server.address() as AddressInfo).port);
    await waitFor(() => conn !== undefined, 3_000, 'the connection to be accepted');
    const served = async (): Promise<{ req: FrontRequest; res: FrontResponse }> => {
      while (queue.length === 0) await new Promise<void>((r) => (notify = r));
      return queue.shift()!;
    };
    return { conn: conn!, client, served, stop: () => void (client.sock.destroy(), server.close()) };
  }
  const timeouts = { keepAliveTimeoutMs: 0, headersTimeoutMs: 0, requestTimeoutMs: 0 };

  it('gives the parser back while a response takes its time, and parses the next request with a fresh one', async () => {
    const d = await direct();
    d.client.sock.write('GET /poll HTTP/1.1\r\nhost: x\r\n\r\n');
    const first = await d.served();
    const t = Date.now();
    d.conn.checkTimeouts(t, timeouts);
    d.conn.checkTimeouts(t + PARK_AFTER_MS - 1, timeouts);
    assert.equal(d.conn.parked, false);
    d.conn.checkTimeouts(t + PARK_AFTER_MS, timeouts);
    assert.ok(d.conn.parked, 'awaiting a long response: no parser');
    first.res.writeHead(200, 'OK', ['content-length', '2']);
    first.res.end('ok');
    await d.client.until((x) => x.endsWith('\r\n\r\nok'));
    d.client.sock.write('GET /next HTTP/1.1\r\nhost: x\r\n\r\n');
    const next = await d.served();
    assert.equal(next.req.url, '/next');
    assert.equal(d.conn.parked, false);
    d.stop();
  });

  it('keeps the parser after a Connection: close request (llhttp refuses what follows; a fresh parser would not)', async () => {
    const d = await direct();
    d.client.sock.write('GET /last HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n');
    await d.served();
    const t = Date.now();
    d.conn.checkTimeouts(t, timeouts);
    d.conn.checkTimeouts(t + 10 * PARK_AFTER_MS, timeouts);
    assert.equal(d.conn.parked, false);
    d.stop();
  });

  it('hands an upgrade on a connection that was parked its socket with the bytes sent before the new owner reads', async () => {
    let upgraded: ((s: Socket) => void) | undefined;
    const upgradedSocket = new Promise<Socket>((r) => (upgraded = r));
    const d = await direct((_req, socket) => upgraded!(socket));
    d.client.sock.write('GET /first HTTP/1.1\r\nhost: x\r\n\r\n');
    const first = await d.served();
    first.res.writeHead(200, 'OK', ['content-length', '2']);
    first.res.end('ok');
    await d.client.until((x) => x.endsWith('\r\n\r\nok'));
    const t = Date.now();
    d.conn.checkTimeouts(t, timeouts);
    d.conn.checkTimeouts(t + PARK_AFTER_MS, timeouts);
    assert.ok(d.conn.parked);
    d.client.sock.write('GET /ws HTTP/1.1\r\nhost: x\r\nconnection: upgrade\r\nupgrade: websocket\r\n\r\n');
    const socket = await upgradedSocket;
    // The new owner (the WebSocket tunnel) reads only once its gateway connection is up: bytes and EOF come first.
    d.client.sock.end('early bytes');
    await waitFor(() => socket.readableLength > 0 || socket.readableEnded, 3_000, 'the bytes to reach the proxy');
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    if (!socket.readableEnded) await once(socket, 'end');
    assert.equal(Buffer.concat(chunks).toString(), 'early bytes');
    socket.destroy();
    d.stop();
  });

  it('keeps a connection past the keep-alive timeout while the client reads its last response, closes it when the client stops reading or has taken it all', async () => {
    const ka = { ...timeouts, keepAliveTimeoutMs: 1_000 };
    const piece = Buffer.alloc(8 * 1024, 'a');
    const pieces = 4096; // 32 MiB: more than the kernel's buffers take from a client that does not read
    /** A response the proxy has finished and the paused client has not read. */
    const answered = async (): Promise<Awaited<ReturnType<typeof direct>>> => {
      const d = await direct();
      d.client.sock.pause();
      d.client.sock.write('GET /big HTTP/1.1\r\nhost: x\r\n\r\n');
      const { res } = await d.served();
      res.writeHead(200, 'OK', ['content-length', String(piece.length * pieces)]);
      for (let i = 0; i < pieces; i++) res.write(piece);
      res.end(); // complete for the proxy: the connection waits for the next request
      return d;
    };
    const slow = await answered();
    const left = slow.conn.writer.unflushedBytes;
    assert.ok(left > 0);
    const t = Date.now();
    slow.conn.checkTimeouts(t + 1_000, ka);
    slow.client.sock.resume(); // reads some of it
    await waitFor(() => slow.conn.writer.unflushedBytes < left, 3_000, 'the client to take some of the response');
    slow.client.sock.pause();
    slow.conn.checkTimeouts(t + 60_000, ka);
    assert.equal(slow.conn.socket.destroyed, false, 'not idle while the client is taking the response');
    slow.conn.checkTimeouts(t + 120_000, ka);
    slow.conn.checkTimeouts(t + 180_000, ka);
    assert.equal(slow.conn.socket.destroyed, true, 'took nothing for a whole keep-alive period: stopped reading');
    slow.stop();

    const reader = await answered();
    reader.conn.checkTimeouts(Date.now() + 60_000, ka);
    assert.equal(reader.conn.socket.destroyed, false);
    reader.client.sock.resume();
    await reader.client.until((x) => x.length - x.indexOf('\r\n\r\n') - 4 === piece.length * pieces);
    await waitFor(() => reader.conn.writer.unflushedBytes === 0, 3_000, 'the proxy to see the response taken');
    reader.conn.checkTimeouts(Date.now() + 120_000, ka);
    await reader.client.closed; // idle past the keep-alive timeout once the response was taken
    reader.stop();
  });
});
