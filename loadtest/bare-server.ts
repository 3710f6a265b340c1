// The "physical limit" anchor: a bare node:http server answering the gateway's requests with the same shapes.
//
// Usage: node dist/loadtest/bare-server.js [--port 0] [--body 100]
// POST any path → reads the body fully → 201 {"ok":1,"partition":0,"offset":N} with X-Partition/X-Offset (as a publish).
// GET any path → 200 with a body of --body bytes and X-Partition/X-Offset (as a batch=1 subscribe of one message);
// GET …?batch=N (N > 1) → 200 chunked, N binary records of --body bytes (int32 partition, int64 offset, int32 len, payload).
// Prints {"ready":true,"ports":{"http":P}} on stdout when listening; exits on SIGTERM.
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { port: { type: 'string', default: '0' }, body: { type: 'string', default: '100' } } });
const getBody = Buffer.alloc(Number(values.body), 0x78);
let offset = 0;

/** `n` records in the gateway's binary batch format (gateway/sub/record-codec.ts). */
function records(n: number): Buffer {
  const one = 16 + getBody.length;
  const out = Buffer.allocUnsafe(n * one);
  for (let i = 0; i < n; i++) {
    const at = i * one;
    out.writeInt32BE(0, at);
    out.writeBigInt64BE(BigInt(offset++), at + 4);
    out.writeInt32BE(getBody.length, at + 12);
    getBody.copy(out, at + 16);
  }
  return out;
}

const server = createServer((req, res) => {
  if (req.method === 'POST') {
    let n = 0;
    req.on('data', (d: Buffer) => (n += d.length));
    req.on('end', () => {
      const o = offset++;
      const text = `{"ok":1,"partition":0,"offset":${o}}`;
      res.writeHead(201, { 'Content-Type': 'application/json; charset=utf8', 'Content-Length': text.length, 'X-Partition': 0, 'X-Offset': o });
      res.end(text);
    });
    return;
  }
  const batch = /[?&]batch=(\d+)/.exec(req.url ?? '');
  if (batch && Number(batch[1]) > 1) {
    res.writeHead(200, { 'Content-Type': 'application/octet-stream' });
    res.end(records(Number(batch[1])));
    return;
  }
  res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf8', 'Content-Length': getBody.length, 'X-Partition': 0, 'X-Offset': offset++ });
  res.end(getBody);
});
server.keepAliveTimeout = 65_000;
server.listen(Number(values.port), '127.0.0.1', () => {
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  process.stdout.write(JSON.stringify({ ready: true, ports: { http: port } }) + '\n');
});
process.on('SIGTERM', () => server.close(() => process.exit(0)).closeAllConnections());
process.on('SIGINT', () => process.exit(0));
