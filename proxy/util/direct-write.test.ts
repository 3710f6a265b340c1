// DirectWriter on real loopback sockets: order of bytes, backpressure from a reader that stops, end, failures.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { after, describe, it } from 'node:test';
import { DirectWriter } from './direct-write.js';

/** A connected pair: `client` (the side written to) and the server's socket (`peer`), both paused. */
async function pair(): Promise<{ client: Socket; peer: Socket; server: Server }> {
  const server = createServer({ pauseOnConnect: true });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  const client = connect({ port, host: '127.0.0.1' });
  const [peer] = (await once(server, 'connection')) as [Socket];
  await once(client, 'connect');
  return { client, peer, server };
}

/** Everything `s` receives until EOF. */
async function readAll(s: Socket): Promise<Buffer> {
  const chunks: Buffer[] = [];
  s.on('data', (c: Buffer) => chunks.push(c));
  s.resume();
  await once(s, 'end');
  return Buffer.concat(chunks);
}

const servers: Server[] = [];
after(() => servers.forEach((s) => s.close()));

describe('DirectWriter', () => {
  it('keeps the order of direct writes, strings (latin1) and writes through socket.write', async () => {
    const { client, peer, server } = await pair();
    servers.push(server);
    const w = new DirectWriter(peer);
    const received = readAll(client);
    assert.equal(w.write('head é\r\n'), true);
    assert.equal(w.write(Buffer.from('body-1;')), true);
    peer.write('via-socket;');
    w.write(Buffer.from('body-2'));
    peer.end();
    assert.equal((await received).toString('latin1'), 'head é\r\nbody-1;via-socket;body-2');
  });

  it('reports a full buffer while the reader has stopped, and calls onceDrain when it reads again; nothing lost', async () => {
    const { client, peer, server } = await pair();
    servers.push(server);
    const w = new DirectWriter(peer);
    const piece = Buffer.alloc(256 * 1024, 7);
    let written = 0;
    let full = false;
    for (let i = 0; i < 200 && !full; i++) {
      full = !w.write(piece);
      written += piece.length;
    }
    assert.equal(full, true, 'a reader that does not read fills the kernel buffers');
    assert.equal(w.needDrain, true);
    const drained = new Promise<void>((resolve) => w.onceDrain(resolve));
    const received = readAll(client);
    await drained;
    assert.equal(w.needDrain, false);
    w.write(Buffer.from('tail'));
    peer.end(); // after the queued writes: the shutdown waits for them
    const all = await received;
    assert.equal(all.length, written + 4);
    assert.equal(all.subarray(-4).toString(), 'tail');
    assert.equal(all[0], 7);
  });

  it('calls onceDrain at once when nothing waits', async () => {
    const { client, peer, server } = await pair();
    servers.push(server);
    const w = new DirectWriter(peer);
    let called = false;
    w.onceDrain(() => (called = true));
    assert.equal(called, true);
    client.destroy();
    peer.destroy();
  });

  it('destroys the socket with the write error when the peer is gone, without throwing', async () => {
    const { client, peer, server } = await pair();
    servers.push(server);
    const w = new DirectWriter(peer);
    const errored = once(peer, 'error');
    client.resetAndDestroy();
    await once(client, 'close');
    // The peer does not read: only a write can see the reset (EPIPE/ECONNRESET, at once or when an async write ends).
    for (let i = 0; i < 1000 && !peer.destroyed; i++) w.write(Buffer.alloc(64 * 1024));
    const [err] = (await errored) as [NodeJS.ErrnoException];
    assert.match(String(err.code), /EPIPE|ECONNRESET/);
    assert.equal(err.syscall, 'write');
    assert.equal(peer.destroyed, true);
  });
});
