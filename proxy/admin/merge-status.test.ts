// mergeStatus: worker documents add up into one (counters summed, ejected if any worker ejected).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { emptyFrontStats } from './front-stats.js';
import { mergeStatus } from './merge-status.js';
import type { ListenerStatus, ProxyStatus } from './status.js';

const listener = (n: number, ejected = false): ListenerStatus => ({
  address: '127.0.0.1:1',
  ejected,
  currentSessions: n,
  totalSessions: n * 10,
  bytesIn: n,
  bytesOut: n,
  responses: { '1xx': 0, '2xx': n * 10, '3xx': 0, '4xx': 0, '5xx': 0 },
  connectErrors: 0,
  sendErrors: 0,
  timeouts: 0,
  retried: 0,
  clientAborts: 0,
  ejectionsDetected: 0,
  ejectionsEnforced: ejected ? 1 : 0,
});

const doc = (pid: number, n: number, ejected = false): ProxyStatus => ({
  pids: [pid],
  uptimeSec: pid,
  draining: false,
  policies: { pub: 'p2c', sub: 'consistent-hash', man: 'round-robin' },
  front: { ...emptyFrontStats(), requests: n * 10 },
  discovery: { updates: 1, emptyIgnored: 0, gateways: 1 },
  websocketTunnels: n,
  gateways: [{ id: 'g1', zone: 'z', weight: 1, listeners: { pub: listener(n, ejected) }, ringShare: 1 }],
});

describe('mergeStatus', () => {
  it('sums counters and sessions, keeps shared facts once, ORs ejection', () => {
    const m = mergeStatus([doc(1, 1), doc(2, 2, true)]);
    assert.deepEqual(m.pids, [1, 2]);
    assert.equal(m.front.requests, 30);
    assert.equal(m.websocketTunnels, 3);
    assert.equal(m.discovery.gateways, 1);
    const pub = m.gateways[0]!.listeners.pub!;
    assert.equal(pub.totalSessions, 30);
    assert.equal(pub.currentSessions, 3);
    assert.equal(pub.responses['2xx'], 30);
    assert.equal(pub.ejected, true);
    assert.equal(pub.ejectionsEnforced, 1);
    assert.equal(m.gateways[0]!.ringShare, 1);
  });

  it('does not modify its inputs', () => {
    const a = doc(1, 1);
    mergeStatus([a, doc(2, 2)]);
    assert.equal(a.gateways[0]!.listeners.pub!.totalSessions, 10);
  });
});
