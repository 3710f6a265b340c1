// The "physical limit" anchor: a bare node:http server answering the gateway's requests with the same shapes.
//
// Usage: node dist/loadtest/bare-server.js [--port 0] [--body 100]
// POST any path → reads the body fully → 201 {"ok":1,"partition":0,"offset":N} with X-Partition/X-Offset (as a publish).
// GET any path → 200 with a body of --body bytes and X-Partition/X-Offset (as a batch=1 subscribe of one message).
// Prints {"ready":true,"ports":{"http":P}} on stdout when listening; exits on SIGTERM.
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { port: { type: 'string', default: '0' }, body: { type: 'string', default: '100' } } });
const getBody = Buffer.alloc(Number(values.body), 0x78);
let offset = 0;

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
