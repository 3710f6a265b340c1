// Tests that each bench command rewrites only its own section of BENCHMARKS.md and its own key of the JSON copy.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { readJsonKey, writeJsonKey, writeMdSection } from './bench-docs.js';

const dir = mkdtempSync(join(tmpdir(), 'bench-docs-test-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('bench-docs > writeMdSection', () => {
  it('creates the file with a header, then replaces only the named section', () => {
    const file = join(dir, 'B.md');
    writeMdSection('a', '## A\nfirst-version', file);
    writeMdSection('b', '## B\ntwo', file);
    writeMdSection('a', '## A\nthree', file);
    const text = readFileSync(file, 'utf8');
    assert.match(text, /^# Benchmarks/);
    assert.match(text, /<!-- a:start -->\n## A\nthree\n<!-- a:end -->/);
    assert.match(text, /<!-- b:start -->\n## B\ntwo\n<!-- b:end -->/);
    assert.doesNotMatch(text, /first-version/);
    assert.ok(text.indexOf('a:start') < text.indexOf('b:start'), 'sections keep their order');
  });
});

describe('bench-docs > writeJsonKey', () => {
  it('keeps the other keys and returns the previous value of a key', () => {
    const file = join(dir, 'b.json');
    assert.equal(readJsonKey('x', file), undefined);
    writeJsonKey('x', { n: 1 }, file);
    writeJsonKey('y', { n: 2 }, file);
    writeJsonKey('x', { n: 3 }, file);
    assert.deepEqual(readJsonKey('x', file), { n: 3 });
    assert.deepEqual(readJsonKey('y', file), { n: 2 });
  });
});
