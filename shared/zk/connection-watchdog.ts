// Handshake and read timeouts that node-zookeeper-client lacks: without them one stuck socket hangs the client forever.
// Measured here: a restarting ZooKeeper 3.8 accepts TCP before it serves and never reads the ConnectRequest
// (Recv-Q 44 in `ss`), so about one restart in two left the client in CONNECTING for good. A frozen server
// (SIGSTOP, dead host without RST) would do the same to a connected client. The Java client bounds both
// (connect timeout, read timeout = 2/3 of the session timeout); this restores that by destroying the socket,
// which makes the library reconnect (same session) by itself.
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { Client } from 'node-zookeeper-client';

// The library's private connection manager (lib/ConnectionManager.js, release 1.1.3; unmaintained since 2019).
interface LibInternals {
  connectionManager?: { state?: number; socket?: Socket };
}
const CONNECTING = 1;
const CONNECTED = 2;
const CONNECTED_READ_ONLY = 3;

export interface WatchdogOptions {
  /** Socket open but no ConnectResponse after this long: drop it and retry, ms. */
  handshakeTimeoutMs: number;
  /** Connected but nothing received (pings are answered every third of the session timeout) for this long, ms. */
  readTimeoutMs: () => number;
  onStall: (reason: 'handshake' | 'read') => void;
}

/** Starts watching `client`'s socket; returns a stop function. No-op if the library internals are not there. */
export function watchConnection(client: Client, opts: WatchdogOptions): () => void {
  const cm = (client as unknown as LibInternals).connectionManager;
  if (!cm) return () => undefined;
  let sock: Socket | undefined;
  let since = 0;
  let lastRx = 0;
  const onData = (): void => {
    lastRx = performance.now();
  };
  const tickMs = Math.max(50, Math.min(opts.handshakeTimeoutMs, opts.readTimeoutMs()) / 4);
  const timer = setInterval(() => {
    const s = cm.socket;
    if (!s) return;
    const now = performance.now();
    if (s !== sock) {
      sock?.off('data', onData);
      sock = s;
      sock.on('data', onData);
      since = lastRx = now;
      return;
    }
    if (s.destroyed || s.readyState !== 'open') return;
    if (cm.state === CONNECTING && now - since > opts.handshakeTimeoutMs) {
      opts.onStall('handshake');
      s.destroy();
    } else if ((cm.state === CONNECTED || cm.state === CONNECTED_READ_ONLY) && now - lastRx > opts.readTimeoutMs()) {
      opts.onStall('read');
      s.destroy();
    }
  }, tickMs);
  timer.unref();
  return () => {
    clearInterval(timer);
    sock?.off('data', onData);
  };
}
