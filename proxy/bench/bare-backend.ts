// Bench backend: bare node:http (limits.md 1b): reads the body, answers 200 "ok"; `delayMs` makes a slow gateway.
// usage: bare-backend.js <port> [delayMs] [chunked|length]: the answer is chunk-encoded (node:http's writeHead + end)
// or has a Content-Length (as the gateway's answers do).
import { createServer } from 'node:http';

const port = Number(process.argv[2] ?? 18101);
const delayMs = Number(process.argv[3] ?? 0);
const id = `g${port}`;
const headers: Record<string, string> = { 'content-type': 'text/plain', 'x-serverid': id };
if (process.argv[4] === 'length') headers['content-length'] = '2';

createServer((req, res) => {
  if (req.url === '/alive') {
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":1}');
    return;
  }
  req.resume();
  req.on('end', () => {
    const answer = (): void => void res.writeHead(200, headers).end('ok');
    if (delayMs > 0) setTimeout(answer, delayMs);
    else answer();
  });
}).listen(port, '127.0.0.1');
