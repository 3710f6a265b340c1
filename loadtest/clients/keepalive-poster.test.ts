// KeepalivePoster against a real node:http server: reuse, the connection cap, server closes, answers split anywhere.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KeepalivePoster } from './keepalive-poster.js';

describe('loadtest > KeepalivePoster', () => {
  let server: Server;
  let url: string;
  const sockets = new Set<unknown>();
  /** Requests held by /hold until released. */
  const held: ServerResponse[] = [];
  let heldArrived: (() => void) | undefined;

  /** The gateway answers with Content-Length, so does this server (node:http would chunk a writeHead + end). */
  const reply = (res: ServerResponse, body: string, headers: Record<string, string> = {}): void =>
    void res.writeHead(201, { ...headers, 'Content-Length': Buffer.byteLength(body) }).end(body);

  before(async () => {
    server = createServer((req: IncomingMessage, res: ServerResponse) => {
      sockets.add(req.socket);
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString();
        if (req.url === '/hold') {
          held.push(res);
          heldArrived?.();
          return;
        }
        if (req.url === '/close') return reply(res, `closing:${body}`, { Connection: 'close' });
        if (req.url === '/drop') return void req.socket.destroy();
        if (req.url === '/split') {
          // Head and body in separate writes, the body itself in two: the poster must frame across reads.
          res.writeHead(201, { 'Content-Length': 6 });
          res.flushHeaders();
          res.write('abc');
          return void setImmediate(() => res.end('def'));
        }
        reply(res, `{"echo":"${body}","appid":"${String(req.headers['appid'])}"}`);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => {
    server.closeAllConnections();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('answers status and body, with the given headers, over one reused connection', async () => {
    sockets.clear();
    const p = new KeepalivePoster(url, { Appid: 'a1' }, 8);
    for (let i = 0; i < 5; i++) assert.deepEqual(await p.post('/x', `m${i}`), { status: 201, body: `{"echo":"m${i}","appid":"a1"}` });
    assert.equal(sockets.size, 1);
    p.close();
  });

  it('frames a response that arrives in pieces', async () => {
    const p = new KeepalivePoster(url, {}, 1);
    assert.deepEqual(await p.post('/split', 'x'), { status: 201, body: 'abcdef' });
    assert.deepEqual(await p.post('/x', 'after'), { status: 201, body: '{"echo":"after","appid":"undefined"}' });
    p.close();
  });

  it('queues requests beyond the connection cap until a connection is free', async () => {
    sockets.clear();
    const p = new KeepalivePoster(url, {}, 2);
    const two = new Promise<void>((resolve) => (heldArrived = () => held.length === 2 && resolve()));
    const a = p.post('/hold', 'a');
    const b = p.post('/hold', 'b');
    const c = p.post('/x', 'c');
    await two;
    assert.equal(sockets.size, 2, 'the third request waits instead of opening a third connection');
    for (const res of held.splice(0)) reply(res, 'held');
    assert.deepEqual(await Promise.all([a, b, c]), [
      { status: 201, body: 'held' },
      { status: 201, body: 'held' },
      { status: 201, body: '{"echo":"c","appid":"undefined"}' },
    ]);
    assert.equal(sockets.size, 2);
    p.close();
  });

  it('replaces a connection the server closes, and fails only the request that was on a dropped one', async () => {
    const p = new KeepalivePoster(url, {}, 1);
    assert.deepEqual(await p.post('/close', 'a'), { status: 201, body: 'closing:a' });
    assert.deepEqual(await p.post('/x', 'b'), { status: 201, body: '{"echo":"b","appid":"undefined"}' });
    await assert.rejects(p.post('/drop', 'c'), /closed|ECONNRESET/);
    assert.deepEqual(await p.post('/x', 'd'), { status: 201, body: '{"echo":"d","appid":"undefined"}' });
    p.close();
  });

  it('close fails what is in flight and queued with the reason given', async () => {
    const p = new KeepalivePoster(url, {}, 1);
    const arrived = new Promise<void>((resolve) => (heldArrived = resolve));
    const inflight = p.post('/hold', 'a');
    const queued = p.post('/x', 'b');
    await arrived;
    p.close(new Error('bound passed'));
    await assert.rejects(inflight, /bound passed/);
    await assert.rejects(queued, /bound passed/);
    await assert.rejects(p.post('/x', 'c'), /closed/);
    held.splice(0).forEach((res) => res.destroy());
  });
});
