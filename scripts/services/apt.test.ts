// Unit tests of the package checks (no install happens here: every package under test is either present or fake).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isInstalled, missingPackages, SYSTEM_PACKAGES } from './apt.js';

describe('apt > isInstalled', () => {
  it('is false for a package that does not exist', () => {
    assert.equal(isInstalled('kateway-no-such-package'), false);
  });
  it('agrees with missingPackages for the system packages', () => {
    const missing = new Set(missingPackages());
    for (const p of SYSTEM_PACKAGES) assert.equal(isInstalled(p), !missing.has(p), p);
  });
});
