// k6 WebSocket subscribe scenario: each VU holds one socket in the group for the test and counts message frames.
//
// k6 run -e URL=http://host:10891 -e APP=demo -e KEY=demo [-e VUS=4] [-e SECONDS=30] [-e GROUP=name] loadtest/k6/websocket.js
import ws from 'k6/ws';
import { check } from 'k6';
import { Counter } from 'k6/metrics';
import { APP, GROUP, SUB_URL, TOPIC, VER, subHeaders } from './config.js';

const SECONDS = Number(__ENV.SECONDS || 30);
const OWNER = __ENV.OWNER || APP;
const messages = new Counter('messages_received');

export const options = {
  scenarios: { websocket: { executor: 'per-vu-iterations', vus: Number(__ENV.VUS || 4), iterations: 1, maxDuration: `${SECONDS + 30}s` } },
};

export default function () {
  const url = `${SUB_URL.replace(/^http/, 'ws')}/v1/ws/msgs/${OWNER}/${TOPIC}/${VER}?group=${GROUP}`;
  const res = ws.connect(url, { headers: subHeaders() }, (socket) => {
    socket.on('message', () => messages.add(1));
    socket.setTimeout(() => socket.close(), SECONDS * 1000);
  });
  check(res, { 'upgrade 101': (r) => r && r.status === 101 });
}
