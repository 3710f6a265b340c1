// The half-open probe: GET /alive on the gateway listener itself, on a fresh connection, bounded in time.
import { request } from 'node:http';
import type { Host } from '../upstream/host.js';
import type { Prober } from './outlier-detector.js';

/** A Prober that resolves true only for a 200 within `timeoutMs`; never rejects. */
export function aliveProber(timeoutMs: () => number): Prober {
  return (h: Host) =>
    new Promise<boolean>((resolve) => {
      // A fresh connection (agent: false): a pooled socket could be half-dead and would prove nothing.
      const req = request({ host: h.hostname, port: h.port, path: '/alive', method: 'GET', agent: false, signal: AbortSignal.timeout(timeoutMs()) });
      req.on('response', (res) => {
        res.resume();
        resolve(res.statusCode === 200);
      });
      req.on('error', () => resolve(false));
      req.end();
    });
}
