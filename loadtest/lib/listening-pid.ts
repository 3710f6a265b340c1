// The process that listens on a local TCP port, found through /proc: for processes the bench did not start itself
// (the Kafka broker of `npm run infra:up`), whose CPU it still wants to count.
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';

/** Socket inodes of IPv4/IPv6 TCP sockets in LISTEN state (st 0A) on `port`. */
function listeningInodes(port: number): Set<string> {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  const inodes = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const row of text.split('\n').slice(1)) {
      // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode
      const f = row.trim().split(/\s+/);
      if (f.length > 9 && f[3] === '0A' && f[1]!.endsWith(`:${hexPort}`)) inodes.add(f[9]!);
    }
  }
  return inodes;
}

/** The pid of the process holding a listening socket on `port`, or undefined (none, or not visible to us). */
export function listeningPid(port: number): number | undefined {
  const inodes = listeningInodes(port);
  if (inodes.size === 0) return undefined;
  for (const e of readdirSync('/proc')) {
    if (e.charCodeAt(0) < 48 || e.charCodeAt(0) > 57) continue;
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${e}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      let target: string;
      try {
        target = readlinkSync(`/proc/${e}/fd/${fd}`);
      } catch {
        continue;
      }
      const m = /^socket:\[(\d+)\]$/.exec(target);
      if (m && inodes.has(m[1]!)) return Number(e);
    }
  }
  return undefined;
}
