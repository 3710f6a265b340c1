// WebSocket upgrades: forward the handshake on a fresh TCP connection, then splice the two sockets byte for byte.
import { connect, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { FrontStats } from '../admin/front-stats.js';
import type { FrontRequest } from '../front/front-request.js';
import type { AppError } from '../../shared/errors.js';
import { closingErrorResponse } from '../../shared/http/closing-response.js';
import type { Outcome } from '../health/outlier-detector.js';
import type { Host, Service } from '../upstream/host.js';
import { upstreamHeaders } from './headers.js';
import { failureError } from './map-error.js';

export interface TunnelEnv {
  readonly front: FrontStats;
  readonly connectTimeoutMs: number;
  readonly maxAttempts: number;
  /** Another usable host of `service` for a handshake that never left, avoiding `tried`. */
  retarget(service: Service, key: string | undefined, tried: readonly Host[]): Host | undefined;
  report(h: Host, outcome: Outcome): void;
}

/**
 * A raw pipe rather than http-proxy-3's ws support: after the handshake the proxy has nothing to parse, and
 * frames cross with no per-message cost. The handshake is retried on another gateway only if the TCP connect
 * failed; once written it is the gateway's. The gateway's response (101 or an error) reaches the client unchanged;
 * its status line feeds the host's status counters. Open tunnels are tracked so drain can end them.
 */
export class WsTunnels {
  readonly #open = new Set<{ client: Duplex; upstream: Socket }>();

  get size(): number {
    return this.#open.size;
  }

  open(env: TunnelEnv, req: FrontRequest, client: Duplex, head: Buffer, host: Host, key: string | undefined, tried: Host[] = []): void {
    host.inflight++;
    host.stats.requests++;
    const upstream = connect({ host: host.hostname, port: host.port });
    let connected = false;
    let ended = false;
    upstream.setTimeout(env.connectTimeoutMs);
    upstream.once('timeout', () => upstream.destroy(Object.assign(new Error('connect timeout'), { code: 'ETIMEDOUT' })));
    const done = (): void => {
      if (ended) return;
      ended = true;
      host.inflight--;
      this.#open.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    const pair = { client, upstream };

    upstream.once('error', () => {
      if (connected) return done();
      host.inflight--;
      ended = true;
      host.stats.connectErrors++;
      env.report(host, 'local-failure');
      tried.push(host);
      const next = !client.destroyed && tried.length < env.maxAttempts ? env.retarget(host.service, key, tried) : undefined;
      if (next) {
        host.stats.retried++;
        env.front.retries++;
        this.open(env, req, client, head, next, key, tried);
        return;
      }
      env.front.unreachable++;
      rejectUpgrade(client, failureError('unsent', null));
    });

    upstream.once('connect', () => {
      connected = true;
      upstream.setTimeout(0);
      upstream.setNoDelay(true);
      this.#open.add(pair);
      const headers = upstreamHeaders(req.rawHeaders, req.socket.remoteAddress, true);
      let text = `${req.method} ${req.url} HTTP/1.1\r\n`;
      for (let i = 0; i < headers.length; i += 2) text += `${headers[i]}: ${headers[i + 1]}\r\n`;
      upstream.write(text + '\r\n');
      if (head.length) upstream.write(head);
      host.stats.bytesIn += head.length;
      upstream.once('data', (first: Buffer) => {
        // "HTTP/1.1 101 ..." : the status code sits at bytes 9-11.
        const status = Number(first.toString('latin1', 9, 12));
        if (status >= 100 && status < 600) host.stats.responses[(status / 100) | 0]!++;
        env.report(host, status >= 500 ? '5xx' : 'ok');
      });
      upstream.on('data', (c: Buffer) => (host.stats.bytesOut += c.length));
      client.on('data', (c: Buffer) => (host.stats.bytesIn += c.length));
      upstream.pipe(client);
      client.pipe(upstream);
      upstream.once('close', done);
      client.once('close', done);
      client.on('error', done);
    });
    client.on('error', () => {
      if (!connected) upstream.destroy();
    });
  }

  /** Ends every open tunnel (drain deadline passed). */
  destroyAll(): void {
    for (const { client, upstream } of this.#open) {
      client.destroy();
      upstream.destroy();
    }
  }
}

/** Answers an upgrade request with a plain HTTP error (plus `extra` [name, value, ...]) and closes the socket. */
export function rejectUpgrade(client: Duplex, err: AppError, extra: readonly string[] = []): void {
  if (client.destroyed) return;
  client.end(closingErrorResponse(err.status, err.message, extra));
}
