// k6 publish scenario: single message or JSON batch, any size, keyed or unkeyed; closed loop (VUS) or fixed rate (RATE).
//
// k6 run -e URL=http://host:10891 -e APP=demo -e KEY=demo [-e SIZE=100|4096] [-e BATCH=1|100] [-e KEYED=1]
//        [-e RATE=5000] [-e VUS=64] [-e DURATION=30s] loadtest/k6/publish.js
import http from 'k6/http';
import { check } from 'k6';
import { Counter } from 'k6/metrics';
import { DURATION, PUB_URL, TOPIC, VER, VUS, pubHeaders } from './config.js';

const SIZE = Number(__ENV.SIZE || 100);
const BATCH = Number(__ENV.BATCH || 1);
const KEYED = __ENV.KEYED === '1';
const RATE = __ENV.RATE ? Number(__ENV.RATE) : 0;

const messages = new Counter('messages_published');
const one = 'x'.repeat(SIZE);
const body = BATCH > 1 ? JSON.stringify(Array.from({ length: BATCH }, () => one)) : one;
const params = { headers: pubHeaders(BATCH > 1 ? 'application/json' : 'application/octet-stream') };

export const options = {
  scenarios: {
    publish: RATE
      ? { executor: 'constant-arrival-rate', rate: RATE, timeUnit: '1s', duration: DURATION, preAllocatedVUs: VUS, maxVUs: VUS * 4 }
      : { executor: 'constant-vus', vus: VUS, duration: DURATION },
  },
  thresholds: { checks: ['rate>0.99'] },
};

export default function () {
  let url = `${PUB_URL}/v1/msgs/${TOPIC}/${VER}${BATCH > 1 ? '?batch=1' : ''}`;
  if (KEYED) url += `${BATCH > 1 ? '&' : '?'}key=k${(__VU * 1000003 + __ITER) % 1000}`;
  const res = http.post(url, body, params);
  if (check(res, { 'publish 201': (r) => r.status === 201 })) messages.add(BATCH);
}
