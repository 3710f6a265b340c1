// FrontRequest: the headers the proxy acts on, found in one pass over the head.
import assert from 'node:assert/strict';
import { Socket } from 'node:net';
import { describe, it } from 'node:test';
import { FrontRequest } from './front-request.js';

const flow = { pauseBody: () => undefined, resumeBody: () => undefined };
const request = (rawHeaders: string[]): FrontRequest => new FrontRequest('POST', '/v1/msgs/t/v1', rawHeaders, new Socket(), false, true, flow);

describe('FrontRequest > known headers', () => {
  it('finds them whatever their case, first value first, and ignores names of the same length', () => {
    const req = request(['CONTENT-LENGTH', '5', 'Appid', 'a1', 'Expect', '100-continue', 'content-length', '6', 'Appie', 'x', 'X-Forwarded-Proto', 'http']);
    assert.deepEqual(req.known, { 'content-length': '5', 'transfer-encoding': undefined, expect: '100-continue', appid: 'a1' });
  });

  it('reports a transfer coding', () => {
    assert.equal(request(['Transfer-Encoding', 'chunked']).known['transfer-encoding'], 'chunked');
  });
});
