// k6 subscribe scenario: long-poll batch=1, chunked batch=N (binary records), fan-out to GROUPS consumer groups.
//
// k6 run -e URL=http://host:10891 -e APP=demo -e KEY=demo [-e BATCH=1|100] [-e GROUPS=1|4] [-e GROUP=name]
//        [-e OWNER=app] [-e VUS=64] [-e DURATION=30s] loadtest/k6/subscribe.js
// Publish a backlog first (publish.js) to measure delivery rather than waiting. Each VU polls as group
// GROUP (or GROUP-x<n> with GROUPS > 1: VU n polls group n % GROUPS, so every group gets every message).
import http from 'k6/http';
import { check } from 'k6';
import { Counter } from 'k6/metrics';
import { APP, DURATION, GROUP, SUB_URL, TOPIC, VER, VUS, subHeaders } from './config.js';

const BATCH = Number(__ENV.BATCH || 1);
const GROUPS = Number(__ENV.GROUPS || 1);
const OWNER = __ENV.OWNER || APP;

const messages = new Counter('messages_received');
const empty = new Counter('longpolls_empty');

export const options = {
  scenarios: { subscribe: { executor: 'constant-vus', vus: VUS, duration: DURATION, gracefulStop: '35s' } },
  thresholds: { checks: ['rate>0.99'] },
};

/** Records in a chunked batch body: int32 partition, int64 offset, int32 length, payload (big-endian). */
function countRecords(buf) {
  const view = new DataView(buf);
  let n = 0;
  for (let pos = 0; pos + 16 <= buf.byteLength; pos += 16 + view.getInt32(pos + 12)) n++;
  return n;
}

export default function () {
  const group = GROUPS > 1 ? `${GROUP}-x${__VU % GROUPS}` : GROUP;
  const url = `${SUB_URL}/v1/msgs/${OWNER}/${TOPIC}/${VER}?group=${group}${BATCH > 1 ? `&batch=${BATCH}` : ''}`;
  const res = http.get(url, { headers: subHeaders(), timeout: '40s', responseType: BATCH > 1 ? 'binary' : 'text' });
  check(res, { 'subscribe 200 or 204': (r) => r.status === 200 || r.status === 204 });
  if (res.status === 204) empty.add(1);
  else if (res.status === 200) messages.add(BATCH > 1 ? countRecords(res.body) : 1);
}
