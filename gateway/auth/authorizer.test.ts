// Authorizer: hashed-secret authentication and the ownership/subscription/group rules.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AppError } from '../../shared/errors.js';
import { hashSecret } from '../../shared/secret-hash.js';
import { Authorizer } from './authorizer.js';
import type { AppRecord } from './tenant-source.js';

const app = (id: string, secret: string, extra: Partial<AppRecord> = {}): AppRecord => ({
  id,
  ...hashSecret(secret),
  topics: [],
  subscriptions: [],
  groups: [],
  ...extra,
});

const status = (fn: () => unknown): number => {
  try {
    fn();
    return 0;
  } catch (e) {
    return (e as AppError).status;
  }
};

describe('Authorizer', () => {
  const shop = app('shop', 's3cret', { topics: ['orders'], groups: ['*'] });
  const billing = app('billing', 'b', { subscriptions: ['shop.orders'], groups: ['invoices'] });
  const auth = new Authorizer({ apps: new Map([[shop.id, shop], [billing.id, billing]]), admin: { id: 'admin', ...hashSecret('root') } });

  it('authenticates by hashed secret and refuses unknown apps, wrong or empty keys alike (401)', () => {
    assert.equal(auth.authenticate('shop', 's3cret').id, 'shop');
    assert.equal(status(() => auth.authenticate('shop', 'S3cret')), 401);
    assert.equal(status(() => auth.authenticate('ghost', 's3cret')), 401);
    assert.equal(status(() => auth.authenticate('shop', '')), 401);
  });

  it('answers a remembered key only when it is exactly the key: prefixes, extensions and NUL padding fail', () => {
    const a = new Authorizer({ apps: new Map([[shop.id, shop]]) });
    for (let i = 0; i < 3; i++) assert.equal(a.authenticate('shop', 's3cret').id, 'shop');
    for (const wrong of ['s3cre', 's3cret\0', 's3cretX', 'S3cret', 's3cret'.padEnd(64, '\0'), 's3cret'.padEnd(65, 'x')]) {
      assert.equal(status(() => a.authenticate('shop', wrong)), 401, JSON.stringify(wrong));
    }
    const long = 'k'.repeat(100);
    const big = app('big', long);
    a.update({ apps: new Map([[big.id, big]]) });
    for (let i = 0; i < 2; i++) assert.equal(a.authenticate('big', long).id, 'big');
    assert.equal(status(() => a.authenticate('big', long.slice(0, 64))), 401);
    assert.equal(status(() => a.authenticate('shop', 's3cret')), 401, 'the remembered key went with the old snapshot');
  });

  it('lets an app publish only to topics it owns (403)', () => {
    assert.equal(status(() => auth.authorizePublish(shop, 'orders')), 0);
    assert.equal(status(() => auth.authorizePublish(shop, 'other')), 403);
    assert.equal(status(() => auth.authorizePublish(billing, 'orders')), 403);
  });

  it('lets an app consume its own topics and subscribed ones, with a registered group', () => {
    assert.equal(status(() => auth.authorizeSubscribe(shop, 'shop', 'orders', 'any')), 0);
    assert.equal(status(() => auth.authorizeSubscribe(billing, 'shop', 'orders', 'invoices')), 0);
    assert.equal(status(() => auth.authorizeSubscribe(billing, 'shop', 'orders', 'rogue')), 403);
    assert.equal(status(() => auth.authorizeSubscribe(billing, 'shop', 'refunds', 'invoices')), 403);
  });

  it('checks admin credentials, and applies a new snapshot at once', () => {
    assert.equal(status(() => auth.authenticateAdmin('admin', 'root')), 0);
    assert.equal(status(() => auth.authenticateAdmin('admin', 'nope')), 401);
    auth.update({ apps: new Map() });
    assert.equal(status(() => auth.authenticate('shop', 's3cret')), 401);
    assert.equal(status(() => auth.authenticateAdmin('admin', 'root')), 403);
  });
});
