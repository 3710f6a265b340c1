import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type AddressInfo } from 'node:net';
import { once } from 'node:events';
import { listeningPid } from './listening-pid.js';

describe('listeningPid', () => {
  it('finds this process behind a port it listens on, and nothing once it closed', async () => {
    const server = createServer();
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    assert.equal(listeningPid(port), process.pid);
    server.close();
    await once(server, 'close');
    assert.equal(listeningPid(port), undefined);
  });
});
