// ParserFeed over real TCP sockets: a parked feed holds no native parser, and the bytes that wake it are parsed whole.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { RequestParser, type ParseFailure } from '../front/llhttp.js';
import { ParserFeed } from './parser-feed.js';

let server: Server;
const accepted: Socket[] = [];
const waiting: ((s: Socket) => void)[] = [];

before(async () => {
  server = createServer((s) => {
    const w = waiting.shift();
    if (w) w(s);
    else accepted.push(s);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
});
after(() => server.close());

/** A client socket and the server's end of it. */
async function pair(): Promise<{ client: Socket; peer: Socket }> {
  const peer = new Promise<Socket>((r) => waiting.push(r));
  const client = connect({ host: '127.0.0.1', port: (server.address() as AddressInfo).port });
  await once(client, 'connect');
  return { client, peer: await peer };
}

/** A request parser fed from `peer`, recording the urls of the heads it parsed. */
function feedOn(peer: Socket, parked = false): { feed: ParserFeed<number | ParseFailure>; parser: RequestParser; urls: string[]; next: () => Promise<void> } {
  const urls: string[] = [];
  let wake: (() => void) | undefined;
  const parser = new RequestParser({
    onMessageBegin: () => undefined,
    onHead: (_minor, _headers, _method, url) => {
      urls.push(url);
      return 0;
    },
    onBody: () => undefined,
    onMessageComplete: () => wake?.(),
  });
  const feed = new ParserFeed(peer, parser, (r) => assert.equal(typeof r, 'number', 'parses cleanly'), parked);
  const next = (): Promise<void> => new Promise((r) => (wake = r));
  return { feed, parser, urls, next };
}

const get = (url: string): string => `GET ${url} HTTP/1.1\r\nhost: x\r\n\r\n`;

describe('ParserFeed', () => {
  it('frees the native parser when parked, and the first bytes after make a fresh one that parses them and reads natively again', async () => {
    const { client, peer } = await pair();
    const f = feedOn(peer);
    assert.ok(f.parser.allocated);
    let done = f.next();
    client.write(get('/one'));
    await done;
    f.feed.park();
    assert.ok(f.feed.parked);
    assert.equal(f.parser.allocated, false);
    done = f.next();
    client.write(get('/two'));
    await done;
    assert.equal(f.feed.parked, false);
    assert.ok(f.parser.allocated);
    assert.equal(peer.listenerCount('data'), 0, 'reads go to llhttp natively again');
    done = f.next();
    client.write(get('/three'));
    await done;
    assert.deepEqual(f.urls, ['/one', '/two', '/three']);
    f.feed.stop();
    client.destroy();
  });

  it('parks and wakes again and again, and leaves the socket not flowing while it reads natively', async () => {
    const { client, peer } = await pair();
    const f = feedOn(peer);
    for (const url of ['/a', '/b', '/c']) {
      f.feed.park();
      assert.equal(peer.readableFlowing, true, "reading through 'data' while parked");
      const done = f.next();
      client.write(get(url));
      await done;
      assert.equal(f.feed.parked, false);
      assert.equal(peer.readableFlowing, null, 'as before the park: a flowing socket with no listener drops its reads');
    }
    assert.deepEqual(f.urls, ['/a', '/b', '/c']);
    f.feed.stop();
    client.destroy();
  });

  it('can start parked: no parser until the peer sends', async () => {
    const { client, peer } = await pair();
    const f = feedOn(peer, true);
    assert.ok(f.feed.parked);
    assert.equal(f.parser.allocated, false);
    const done = f.next();
    client.write(get('/first') + get('/second').slice(0, 10)); // a read that ends within the next message
    await done;
    const second = f.next();
    client.write(get('/second').slice(10));
    await second;
    assert.deepEqual(f.urls, ['/first', '/second']);
    f.feed.stop();
    client.destroy();
  });

  it('stays as it is once stopped: the socket reads for itself', async () => {
    const { client, peer } = await pair();
    const f = feedOn(peer);
    f.feed.stop();
    f.feed.park();
    assert.equal(f.feed.parked, false);
    const data = once(peer, 'data');
    client.write('raw bytes');
    assert.equal(String((await data)[0]), 'raw bytes');
    assert.deepEqual(f.urls, []);
    client.destroy();
  });
});
