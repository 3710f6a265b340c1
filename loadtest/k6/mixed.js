// k6 mixed scenario: publish at a fixed RATE while SUBSCRIBERS long-poll one group; end-to-end latency from the
// send time stamped into each message to its delivery (k6 clocks have 1 ms resolution).
//
// k6 run -e URL=http://host:10891 -e APP=demo -e KEY=demo [-e RATE=1000] [-e SUBSCRIBERS=16] [-e DURATION=30s]
//        [-e SIZE=100] loadtest/k6/mixed.js
// Uses a fresh topic per run (TOPIC, default loadtest<time>) so the group starts empty. Look at e2e_ms p(50)/p(99)/p(99.9).
import http from 'k6/http';
import { check } from 'k6';
import { Counter, Trend } from 'k6/metrics';
import { APP, DURATION, PUB_URL, SUB_URL, VER, pubHeaders, subHeaders } from './config.js';

const RATE = Number(__ENV.RATE || 1000);
const SUBSCRIBERS = Number(__ENV.SUBSCRIBERS || 16);
const SIZE = Math.max(64, Number(__ENV.SIZE || 100));
const TOPIC = __ENV.TOPIC || `loadtest${Date.now().toString(36)}`;
const GROUP = __ENV.GROUP || `mixed${Date.now().toString(36)}`;

const e2e = new Trend('e2e_ms', true);
const delivered = new Counter('messages_received');

export const options = {
  summaryTrendStats: ['avg', 'p(50)', 'p(90)', 'p(99)', 'p(99.9)', 'max'],
  scenarios: {
    pub: { executor: 'constant-arrival-rate', exec: 'pub', rate: RATE, timeUnit: '1s', duration: DURATION, preAllocatedVUs: 64, maxVUs: 512, startTime: '1s' },
    sub: { executor: 'constant-vus', exec: 'sub', vus: SUBSCRIBERS, duration: DURATION, gracefulStop: '35s' },
  },
  thresholds: { 'e2e_ms': ['p(99)<20'], checks: ['rate>0.99'] },
};

export function setup() {
  // The first publish creates the topic (demo mode); the group must see a topic before it subscribes.
  http.post(`${PUB_URL}/v1/msgs/${TOPIC}/${VER}`, '{"t":0,"i":-1}', { headers: pubHeaders() });
}

export function pub() {
  const stamp = `{"t":${Date.now()},"i":${__VU * 1e9 + __ITER}}`;
  const res = http.post(`${PUB_URL}/v1/msgs/${TOPIC}/${VER}`, stamp + ' '.repeat(Math.max(0, SIZE - stamp.length)), { headers: pubHeaders() });
  check(res, { 'publish 201': (r) => r.status === 201 });
}

export function sub() {
  const res = http.get(`${SUB_URL}/v1/msgs/${APP}/${TOPIC}/${VER}?group=${GROUP}`, { headers: subHeaders(), timeout: '40s' });
  check(res, { 'subscribe 200 or 204': (r) => r.status === 200 || r.status === 204 });
  if (res.status !== 200) return;
  const m = /"t":(\d+),"i":(-?\d+)/.exec(res.body);
  if (!m || Number(m[2]) < 0) return;
  e2e.add(Date.now() - Number(m[1]));
  delivered.add(1);
}
