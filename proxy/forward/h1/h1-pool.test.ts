// H1Pool against real node:http servers: reuse, framing, streaming, backpressure, timeouts, failures, close.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { UpstreamHandler, UpstreamRequest } from '../upstream.js';
import { H1Pool } from './h1-pool.js';

interface Result {
  connected: boolean;
  status?: number;
  headers?: string[];
  body: string;
  error?: Error & { code?: string };
  sent: number;
}

/** Dispatches and collects the outcome; `onData` may pause (return false) and resume later. */
function run(pool: H1Pool, req: Partial<UpstreamRequest>, onData?: (chunk: Buffer, resume: () => void) => boolean): Promise<Result> {
  return new Promise((resolve) => {
    const r: Result = { connected: false, body: '', sent: 0 };
    let resume = (): void => undefined;
    const handler: UpstreamHandler = {
      onConnect: () => void (r.connected = true),
      onHeaders: (status, headers, res) => {
        r.status = status;
        r.headers = headers;
        resume = res;
        return true;
      },
      onData: (c) => {
        r.body += c.toString();
        return onData ? onData(c, resume) : true;
      },
      onReadEnd: () => true,
      onComplete: () => resolve(r),
      onError: (err) => resolve({ ...r, error: err }),
      onBodySent: (n) => void (r.sent += n),
    };
    pool.dispatch({ method: 'GET', path: '/', headers: ['host', 'x'], body: null, bodyLength: undefined, headersTimeout: 2000, bodyTimeout: 2000, ...req }, handler);
  });
}

let server: Server;
let port: number;
let connections = 0;
const routes = new Map<string, (req: IncomingMessage, res: ServerResponse) => void>();

before(async () => {
  server = createServer((req, res) => {
    const route = routes.get(req.url!.split('?')[0]!);
    if (route) return route(req, res);
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => res.writeHead(200, { 'x-te': String(req.headers['transfer-encoding']) }).end(`echo:${Buffer.concat(chunks)}`));
  });
  server.on('connection', () => connections++);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  port = (server.address() as AddressInfo).port;
  routes.set('/chunked', (_q, res) => {
    res.writeHead(200);
    res.write('a');
    res.write('b');
    res.end('c');
  });
  routes.set('/eof', (req, res) => {
    req.socket.end('HTTP/1.1 200 OK\r\n\r\nuntil-eof');
    void res;
  });
  routes.set('/hang', () => undefined);
  routes.set('/stall', (_q, res) => res.writeHead(200).write('partial'));
  routes.set('/trickle', (_q, res) => {
    // 8 pieces 40 ms apart: 320 ms in all, never quiet for 150 ms.
    res.writeHead(200);
    let n = 0;
    const t = setInterval(() => {
      res.write(String(n));
      if (++n === 8) {
        clearInterval(t);
        res.end();
      }
    }, 40);
  });
  routes.set('/reset', (req) => req.socket.resetAndDestroy());
  routes.set('/big', (_q, res) => res.end(Buffer.alloc(1024 * 1024, 97)));
  routes.set('/early', (_q, res) => res.writeHead(413).end('too big'));
});
after(() => {
  server.closeAllConnections();
  server.close();
});

/** A full collection (--expose-gc, set at run time for this file). */
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const pool = (o: Partial<ConstructorParameters<typeof H1Pool>[0]> = {}) =>
  new H1Pool({ hostname: '127.0.0.1', port, connections: 8, connectTimeoutMs: 1000, keepAliveTimeoutMs: 4000, ...o });

describe('H1Pool > requests', () => {
  it('reuses one keep-alive connection for sequential requests', async () => {
    const p = pool();
    const before = connections;
    for (let i = 0; i < 5; i++) assert.equal((await run(p, { path: `/?i=${i}` })).body, 'echo:');
    assert.equal(connections - before, 1);
    await p.close();
  });

  it('keeps nothing of a finished request while its connection stays open', async () => {
    const p = pool();
    const first = await (async () => {
      const handler: UpstreamHandler = {
        onConnect: () => undefined,
        onHeaders: () => true,
        onData: () => true,
        onReadEnd: () => true,
        onComplete: () => undefined,
        onError: () => undefined,
        onBodySent: () => undefined,
      };
      const done = new Promise<void>((resolve) => (handler.onComplete = resolve));
      p.dispatch({ method: 'GET', path: '/', headers: ['host', 'x'], body: null, bodyLength: undefined, headersTimeout: 2000, bodyTimeout: 2000 }, handler);
      await done;
      return new WeakRef(handler);
    })();
    await new Promise((r) => setImmediate(r)); // a WeakRef target lives at least until the job that made it ends
    gc();
    assert.equal(p.counts.open, 1, 'the connection is kept alive');
    assert.equal(first.deref(), undefined, "the first request's handler was collected");
    await p.close();
  });

  it('sends a buffered body with its length, and strips nothing the client needs', async () => {
    const p = pool();
    const r = await run(p, { method: 'POST', headers: ['host', 'x', 'content-length', '5'], body: Buffer.from('hello') });
    assert.equal(r.status, 200);
    assert.equal(r.body, 'echo:hello');
    await p.close();
  });

  it('streams a body of unknown length chunked, and one of known length as is', async () => {
    const p = pool();
    const a = await run(p, { method: 'POST', body: Readable.from([Buffer.from('ab'), Buffer.from('cd')]) });
    assert.equal(a.body, 'echo:abcd');
    assert.deepEqual(a.headers?.slice(0, 2), ['x-te', 'chunked']);
    assert.equal(a.sent, 4);
    const b = await run(p, { method: 'POST', headers: ['host', 'x', 'content-length', '4'], bodyLength: 4, body: Readable.from([Buffer.from('wxyz')]) });
    assert.equal(b.body, 'echo:wxyz');
    assert.deepEqual(b.headers?.slice(0, 2), ['x-te', 'undefined']);
    await p.close();
  });

  it('streams a large chunked body intact through socket backpressure', async () => {
    const p = pool();
    const parts = Array.from({ length: 64 }, (_, i) => Buffer.alloc(64 * 1024, 65 + (i % 26)));
    const r = await run(p, { method: 'POST', body: Readable.from(parts) });
    assert.equal(r.body, `echo:${Buffer.concat(parts).toString()}`);
    assert.equal(r.sent, 64 * 64 * 1024);
    await p.close();
  });

  it('reads chunked and read-to-EOF responses', async () => {
    const p = pool();
    assert.equal((await run(p, { path: '/chunked' })).body, 'abc');
    assert.equal((await run(p, { path: '/eof' })).body, 'until-eof');
    await p.close();
  });

  it('pauses the connection while the handler asks, and finishes after resume', async () => {
    const p = pool();
    let paused = false;
    let resumeLater: (() => void) | undefined;
    const r = await run(p, { path: '/big' }, (_c, resume) => {
      if (paused) return true;
      paused = true;
      resumeLater = resume;
      setImmediate(() => resumeLater!());
      return false;
    });
    assert.equal(r.body.length, 1024 * 1024);
    await p.close();
  });

  it('queues requests beyond `connections` and serves them in order on the same connection', async () => {
    const p = pool({ connections: 1 });
    const before = connections;
    const rs = await Promise.all([1, 2, 3].map((i) => run(p, { path: `/?q=${i}` })));
    assert.deepEqual(
      rs.map((r) => r.status),
      [200, 200, 200],
    );
    assert.equal(connections - before, 1);
    await p.close();
  });

  it('completes an early answer while the body is still streaming, and does not reuse that connection', async () => {
    const p = pool();
    const endless = new Readable({ read() {} });
    endless.push('x');
    const r = await run(p, { method: 'POST', path: '/early', body: endless });
    assert.equal(r.status, 413);
    assert.equal(r.body, 'too big');
    assert.equal(p.counts.idle, 0);
    await p.close();
  });
});

describe('H1Pool > failures', () => {
  it('reports a refused connection before onConnect (never sent)', async () => {
    const closed = createServer();
    closed.listen(0, '127.0.0.1');
    await once(closed, 'listening');
    const deadPort = (closed.address() as AddressInfo).port;
    closed.close();
    const p = new H1Pool({ hostname: '127.0.0.1', port: deadPort, connections: 2, connectTimeoutMs: 1000, keepAliveTimeoutMs: 1000 });
    const r = await run(p, {});
    assert.equal(r.connected, false);
    assert.equal(r.error?.code, 'ECONNREFUSED');
    await p.close();
  });

  it('times out waiting for the head after sending', async () => {
    const p = pool();
    const r = await run(p, { path: '/hang', headersTimeout: 150 });
    assert.equal(r.connected, true);
    assert.equal(r.error?.code, 'PX_HEADERS_TIMEOUT');
    await p.close();
  });

  it('times out on a stalled body', async () => {
    const p = pool();
    const r = await run(p, { path: '/stall', bodyTimeout: 150 });
    assert.equal(r.status, 200);
    assert.equal(r.error?.code, 'PX_BODY_TIMEOUT');
    await p.close();
  });

  it('lets a body that keeps moving outlast its idle timeout', async () => {
    const p = pool();
    const r = await run(p, { path: '/trickle', bodyTimeout: 150 });
    assert.equal(r.error, undefined);
    assert.equal(r.body, '01234567');
    await p.close();
  });

  it('closes an idle connection after its keep-alive time, and the next request opens a new one', async () => {
    const p = pool({ keepAliveTimeoutMs: 100 });
    // node:http keeps an idle connection 5 s: an end within the test comes from the pool.
    const ended = new Promise<void>((resolve) => server.once('connection', (s) => s.once('end', () => resolve())));
    await run(p, {});
    assert.equal(p.counts.idle, 1);
    await ended;
    const before = connections;
    assert.equal((await run(p, {})).status, 200);
    assert.equal(connections - before, 1);
    await p.close();
  });

  it('adds a Host header when the client sent none (HTTP/1.0 clients)', async () => {
    const p = pool();
    const r = await run(p, { headers: [] });
    assert.equal(r.status, 200, 'Node answers 400 to an HTTP/1.1 request without Host');
    await p.close();
  });

  it('reports a reset after sending as an error after onConnect (may have been processed)', async () => {
    const p = pool();
    const r = await run(p, { method: 'POST', path: '/reset', headers: ['host', 'x', 'content-length', '1'], body: Buffer.from('x') });
    assert.equal(r.connected, true);
    assert.ok(r.error);
    await p.close();
  });

  it('refuses new requests once closing, before onConnect', async () => {
    const p = pool();
    await run(p, {});
    const closing = p.close();
    const r = await run(p, {});
    assert.equal(r.connected, false);
    assert.equal(r.error?.code, 'PX_POOL_CLOSED');
    await closing;
  });

  it('close() waits for the request in flight', async () => {
    const p = pool();
    let answer: (() => void) | undefined;
    routes.set('/slow', (_q, res) => (answer = () => res.end('late')));
    const pending = run(p, { path: '/slow' });
    while (!answer) await new Promise((r) => setTimeout(r, 5)); // poll until the server holds it
    let closed = false;
    const closing = p.close().then(() => (closed = true));
    await new Promise((r) => setImmediate(r));
    assert.equal(closed, false);
    answer();
    assert.equal((await pending).body, 'late');
    await closing;
    assert.equal(p.counts.open, 0);
  });
});
