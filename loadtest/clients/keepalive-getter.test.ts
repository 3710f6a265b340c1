// KeepaliveGetter against real servers: body pieces handed over as they arrive (chunked and Content-Length), 204,
// connection reuse and reconnects, a response split at every byte, close() failing the request in flight.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Server, type ServerResponse } from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { KeepaliveGetter } from './keepalive-getter.js';

const urlOf = (s: net.Server): string => `http://127.0.0.1:${(s.address() as AddressInfo).port}`;

describe('loadtest > KeepaliveGetter', () => {
  let server: Server;
  let url: string;
  const sockets = new Set<unknown>();
  /** /stream responses, held open by the test. */
  let streaming: ServerResponse | undefined;
  let streamArrived: (() => void) | undefined;

  before(async () => {
    server = createServer((req, res) => {
      sockets.add(req.socket);
      if (req.headers['appid'] !== 'app') return void res.writeHead(401, { 'Content-Length': 0 }).end();
      if (req.url === '/text') return void res.writeHead(200, { 'Content-Length': 5 }).end('hello');
      if (req.url === '/empty') return void res.writeHead(204).end();
      if (req.url === '/close') return void res.writeHead(200, { 'Content-Length': 3, Connection: 'close' }).end('bye');
      if (req.url === '/stream') {
        res.writeHead(200, { 'Content-Type': 'application/octet-stream' }); // chunked
        res.flushHeaders();
        streaming = res;
        streamArrived?.();
      }
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    url = urlOf(server);
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('reads a Content-Length body and a 204 over one connection', async () => {
    const g = new KeepaliveGetter(url, { Appid: 'app' });
    const pieces: string[] = [];
    const before = sockets.size;
    assert.equal(await g.get('/text', (p) => pieces.push(p.toString())), 200);
    assert.equal(await g.get('/empty', () => assert.fail('a 204 has no body')), 204);
    assert.equal(await g.get('/text', (p) => pieces.push(p.toString())), 200);
    assert.equal(pieces.join(''), 'hellohello');
    assert.equal(sockets.size - before, 1, 'one connection for the three requests');
    g.close();
  });

  it('hands over each chunk of a chunked body as it is written, before the response ends', async () => {
    const g = new KeepaliveGetter(url, { Appid: 'app' });
    const pieces: string[] = [];
    let pieceArrived: (() => void) | undefined;
    const arrived = new Promise<void>((r) => (streamArrived = r));
    const done = g.get('/stream', (p) => {
      pieces.push(p.toString());
      pieceArrived?.();
    });
    await arrived;
    const first = new Promise<void>((r) => (pieceArrived = r));
    streaming!.write('one');
    await first;
    assert.deepEqual(pieces, ['one'], 'the first chunk came while the response was still open');
    streaming!.end('two');
    assert.equal(await done, 200);
    assert.equal(pieces.join(''), 'onetwo');
    g.close();
  });

  it('opens a new connection after the server said Connection: close', async () => {
    const g = new KeepaliveGetter(url, { Appid: 'app' });
    const before = sockets.size;
    const body: string[] = [];
    assert.equal(await g.get('/close', (p) => body.push(p.toString())), 200);
    assert.equal(await g.get('/text', (p) => body.push(p.toString())), 200);
    assert.deepEqual(body.join(''), 'byehello');
    assert.equal(sockets.size - before, 2);
    g.close();
  });

  it('frames a chunked response that arrives one byte at a time', async () => {
    const raw = 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\na;ext=1\r\n0123456789\r\n0\r\n\r\n';
    const dribble = net.createServer((s) => {
      s.once('data', async () => {
        for (const byte of Buffer.from(raw)) {
          s.write(Buffer.from([byte]));
          await new Promise((r) => setImmediate(r));
        }
      });
    });
    dribble.listen(0, '127.0.0.1');
    await once(dribble, 'listening');
    const g = new KeepaliveGetter(urlOf(dribble), {});
    const pieces: Buffer[] = [];
    assert.equal(await g.get('/', (p) => pieces.push(p)), 200);
    assert.equal(Buffer.concat(pieces).toString(), 'abc0123456789');
    g.close();
    await new Promise<void>((resolve) => dribble.close(() => resolve()));
  });

  it('close() fails the request in flight', async () => {
    const g = new KeepaliveGetter(url, { Appid: 'app' });
    const arrived = new Promise<void>((r) => (streamArrived = r));
    const pending = g.get('/stream', () => undefined);
    await arrived;
    g.close();
    await assert.rejects(pending, /getter closed/);
    streaming!.end();
  });
});
