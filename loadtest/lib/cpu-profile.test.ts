// Tests that a .cpuprofile is summarised into self time, total time (recursion once) and areas, idle excluded.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { summariseProfile } from './cpu-profile.js';

const dir = mkdtempSync(join(tmpdir(), 'cpu-profile-test-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const frame = (functionName: string, url: string) => ({ functionName, url, lineNumber: 9, columnNumber: 0, scriptId: '1' });
// root → handle (gateway) → handle (recursion) → writev (native); root → (idle)
const profile = {
  nodes: [
    { id: 1, callFrame: frame('(root)', ''), children: [2, 5] },
    { id: 2, callFrame: frame('handle', 'file:///x/dist/gateway/http/routes/pub-routes.js'), children: [3] },
    { id: 3, callFrame: frame('handle', 'file:///x/dist/gateway/http/routes/pub-routes.js'), children: [4] },
    { id: 4, callFrame: frame('writev', ''), children: [] },
    { id: 5, callFrame: frame('(idle)', ''), children: [] },
  ],
  startTime: 0,
  endTime: 1_000_000,
  samples: [2, 3, 4, 4, 5, 5],
  timeDeltas: [1, 1, 1, 1, 1, 1],
};

describe('cpu-profile > summariseProfile', () => {
  it('charges self time per function, total time once per stack, and leaves idle out', () => {
    const file = join(dir, 'p.cpuprofile');
    writeFileSync(file, JSON.stringify(profile));
    const s = summariseProfile(file);
    assert.equal(s.samples, 6);
    assert.equal(Math.round(s.idlePct), 33);
    const handle = s.top.find((f) => f.name === 'handle')!;
    assert.equal(handle.where, 'gateway/http/routes/pub-routes.js:10');
    assert.equal(handle.selfPct, 50);
    assert.equal(handle.totalPct, 100);
    assert.equal(s.top.find((f) => f.name === 'writev')!.selfPct, 50);
    assert.deepEqual(s.areas.map((a) => a.area).sort(), ['(native/builtin)', 'gateway/http']);
  });
});
