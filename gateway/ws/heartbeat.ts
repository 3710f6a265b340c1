// Pings a WebSocket on an interval and terminates it when a pong does not come back before the next ping.
import type { WebSocket } from 'ws';

export function keepAlive(ws: WebSocket, intervalMs: number): () => void {
  let alive = true;
  ws.on('pong', () => {
    alive = true;
  });
  const timer = setInterval(() => {
    if (!alive) {
      ws.terminate();
      return;
    }
    alive = false;
    ws.ping();
  }, intervalMs);
  timer.unref();
  const stop = (): void => clearInterval(timer);
  ws.once('close', stop);
  return stop;
}
