// Bench backend: bare node:http (limits.md 1b): reads the body, answers 200 "ok"; `delayMs` makes a slow gateway.
import { createServer } from 'node:http';

const port = Number(process.argv[2] ?? 18101);
const delayMs = Number(process.argv[3] ?? 0);
const id = `g${port}`;

createServer((req, res) => {
  if (req.url === '/alive') {
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":1}');
    return;
  }
  req.resume();
  req.on('end', () => {
    const answer = (): void => void res.writeHead(200, { 'content-type': 'text/plain', 'x-serverid': id }).end('ok');
    if (delayMs > 0) setTimeout(answer, delayMs);
    else answer();
  });
}).listen(port, '127.0.0.1');
