// Tests that the HAProxy config follows the original ehaproxy template and that HAProxy itself accepts it.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { HAPROXY_BIN, haproxyAvailable, haproxyConfig } from './haproxy.js';

const cfg = haproxyConfig({ pub: 10891, sub: 10892, man: 10893 }, [{ pub: 9191, sub: 9192, man: 9193, weight: 2 }], 2);
const section = (name: string): string => cfg.slice(cfg.indexOf(`listen ${name}`)).split('\n\n')[0]!;

describe('haproxy > haproxyConfig', () => {
  it('balances pub and sub by source IP and man round-robin, with the template timeouts', () => {
    assert.match(section('pub'), /balance source/);
    assert.match(section('pub'), /timeout client 5m/);
    assert.match(section('sub'), /balance source/);
    assert.match(section('sub'), /timeout client 40s/);
    assert.doesNotMatch(section('man'), /balance source/);
    for (const line of ['retries 0', 'timeout connect 1s', 'timeout server 10m', 'option http-keep-alive', 'option redispatch', 'nbthread 2']) {
      assert.ok(cfg.includes(line), line);
    }
  });

  it('lists each gateway listener with its weight and no active check', () => {
    assert.match(section('sub'), /server gw1 127\.0\.0\.1:9192 weight 2$/m);
    for (const line of cfg.split('\n').filter((l) => l.trim().startsWith('server '))) assert.doesNotMatch(line, /\bcheck\b/);
  });

  it('is accepted by haproxy -c', { skip: !haproxyAvailable() && 'haproxy not installed' }, () => {
    const dir = mkdtempSync(join(tmpdir(), 'haproxy-test-'));
    try {
      writeFileSync(join(dir, 'h.cfg'), cfg);
      execFileSync(HAPROXY_BIN, ['-c', '-f', join(dir, 'h.cfg')], { stdio: 'pipe' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
