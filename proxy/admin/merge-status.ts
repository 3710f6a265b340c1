// Sums the status documents of several serving processes (cluster workers), as ehaproxy summed HAProxy processes.
import type { GatewayStatus, ListenerStatus, ProxyStatus } from './status.js';

type Numeric<T> = { [K in keyof T]: T[K] extends number ? K : never }[keyof T];

function addNumbers<T extends object>(into: T, from: T): void {
  for (const k of Object.keys(from) as (keyof T)[]) {
    const v = from[k];
    if (typeof v === 'number') (into[k as Numeric<T>] as number) += v;
  }
}

function mergeListener(a: ListenerStatus, b: ListenerStatus): ListenerStatus {
  const out: ListenerStatus = { ...a, responses: { ...a.responses } };
  addNumbers(out, b);
  addNumbers(out.responses, b.responses);
  out.ejected = a.ejected || b.ejected; // each worker ejects on its own evidence
  return out;
}

/**
 * Counters and current sessions add up; `ejected` is true if any worker has the listener out; policies, ring
 * shares and discovery state are the same everywhere (deterministic), so the first document's are kept, except
 * that discovery counters add up too.
 */
export function mergeStatus(list: readonly ProxyStatus[]): ProxyStatus {
  const [first, ...rest] = list;
  if (!first) throw new Error('no status to merge');
  const out: ProxyStatus = structuredClone(first);
  for (const s of rest) {
    out.pids.push(...s.pids);
    out.uptimeSec = Math.max(out.uptimeSec, s.uptimeSec);
    out.draining ||= s.draining;
    out.websocketTunnels += s.websocketTunnels;
    addNumbers(out.front, s.front);
    out.discovery.updates += s.discovery.updates;
    out.discovery.emptyIgnored += s.discovery.emptyIgnored;
    const byId = new Map(out.gateways.map((g) => [g.id, g]));
    for (const g of s.gateways) {
      const mine = byId.get(g.id);
      if (!mine) {
        const copy: GatewayStatus = structuredClone(g);
        out.gateways.push(copy);
        byId.set(g.id, copy);
        continue;
      }
      for (const svc of ['pub', 'sub', 'man'] as const) {
        const theirs = g.listeners[svc];
        if (!theirs) continue;
        const ours = mine.listeners[svc];
        mine.listeners[svc] = ours ? mergeListener(ours, theirs) : theirs;
      }
    }
  }
  out.gateways.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return out;
}
