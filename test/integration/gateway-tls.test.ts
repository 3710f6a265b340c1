// HTTPS with HTTP/2 and HTTP/1.1 on the same listener, negotiated by ALPN.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http2 from 'node:http2';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestGateway, type TestGateway } from './gateway-harness.js';

describe('Gateway > TLS and HTTP/2', () => {
  let t: TestGateway;
  let dir: string;
  let cert: Buffer;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kateway-tls-'));
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1',
      '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
    ], { stdio: 'ignore' });
    cert = readFileSync(join(dir, 'cert.pem'));
    t = await startTestGateway({ tls: { certFile: join(dir, 'cert.pem'), keyFile: join(dir, 'key.pem') } });
  });
  after(async () => {
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('publishes over HTTP/2', async () => {
    const session = http2.connect(`https://127.0.0.1:${t.gw.ports.pub}`, { ca: cert });
    const req = session.request({ ':method': 'POST', ':path': '/v1/msgs/h2topic/v1', appid: 'demo', pubkey: 'demo' });
    req.end('over h2');
    const [headers, body] = await new Promise<[http2.IncomingHttpHeaders, string]>((resolve, reject) => {
      let h: http2.IncomingHttpHeaders = {};
      let b = '';
      req.on('response', (x) => (h = x));
      req.on('data', (d: Buffer) => (b += d.toString()));
      req.on('end', () => resolve([h, b]));
      req.on('error', reject);
    });
    session.close();
    assert.equal(headers[':status'], 201);
    assert.equal(JSON.parse(body).ok, 1);
  });

  it('still serves HTTP/1.1 clients over TLS on the same port', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      https.get({ host: '127.0.0.1', port: t.gw.ports.sub, path: '/alive', ca: cert }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      }).on('error', reject);
    });
    assert.equal(status, 200);
  });
});
