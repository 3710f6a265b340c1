// The store topic names must be the original kateway's, so both read and write the same Kafka topics.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { storeTopic } from './names.js';

describe('names > storeTopic', () => {
  it('is appid.topic.ver for versions of up to 2 characters', () => {
    assert.equal(storeTopic('demo', 'orders', 'v1'), 'demo.orders.v1');
    assert.equal(storeTopic('demo', 'orders', 'v9'), 'demo.orders.v9');
  });

  it('appends adler32(appid + topic) mod 1000 from v10 on', () => {
    // python3 -c "import zlib; print(zlib.adler32(b'demoorders') % 1000, zlib.adler32(b'alphaorders') % 1000)"
    assert.equal(storeTopic('demo', 'orders', 'v10'), 'demo.orders.v10.677');
    assert.equal(storeTopic('alpha', 'orders', 'v10'), 'alpha.orders.v10.198');
    assert.equal(storeTopic('alpha', 'orders', 'v123'), 'alpha.orders.v123.198', 'the cookie does not depend on the version');
    // zlib.adler32(b'appidtopic') = 385877038: the cookie is printed without leading zeros, like Go's strconv.Itoa.
    assert.equal(storeTopic('appid', 'topic', 'v10'), 'appid.topic.v10.38');
  });
});
