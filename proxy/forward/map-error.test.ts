// classifyFailure / failureError: only never-sent requests are safe to send again.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { errmsgBody } from '../../shared/errors.js';
import { classifyFailure, failureError } from './map-error.js';

describe('classifyFailure', () => {
  it('calls a connect error before the request reached a socket unsent', () => {
    assert.equal(classifyFailure(Object.assign(new Error('x'), { code: 'ECONNREFUSED' }), false, false), 'unsent');
  });
  it('calls a reset after the request was handed to a socket failed, not unsent', () => {
    assert.equal(classifyFailure(Object.assign(new Error('x'), { code: 'ECONNRESET' }), true, false), 'failed');
  });
  it('recognises undici timeouts', () => {
    assert.equal(classifyFailure({ code: 'UND_ERR_HEADERS_TIMEOUT' }, true, false), 'timeout');
    assert.equal(classifyFailure({ code: 'UND_ERR_BODY_TIMEOUT' }, true, false), 'timeout');
  });
  it('blames the client, not the gateway, for a request undici refuses to send', () => {
    assert.equal(classifyFailure({ code: 'UND_ERR_INVALID_ARG' }, false, false), 'invalid');
    assert.equal(failureError('invalid', null).status, 400);
  });
  it('puts a client abort first', () => {
    assert.equal(classifyFailure(new Error('aborted'), true, true), 'client-abort');
  });
});

describe('failureError', () => {
  it('maps unsent → 503 retriable, timeout → 504, failed → 502 not retriable', () => {
    assert.deepEqual((['unsent', 'timeout', 'failed'] as const).map((k) => failureError(k, null).status), [503, 504, 502]);
    assert.equal(failureError('unsent', null).retriable, true);
    assert.equal(failureError('failed', null).retriable, false);
    assert.equal(failureError('failed', null).code, 'PX_UPSTREAM_FAILED');
    assert.equal(errmsgBody(failureError('failed', null)), '{"errmsg":"proxy: bad gateway"}');
  });
});
