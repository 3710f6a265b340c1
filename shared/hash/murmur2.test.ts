// Proves murmur2 matches Kafka's Java client and kafkajs bit for bit.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { randomBytes } from 'node:crypto';
import { murmur2, toPositive } from './murmur2.js';

// Vectors from Kafka's UtilsTest.testMurmur2 (clients/src/test/java/org/apache/kafka/common/utils/UtilsTest.java).
const kafkaUtilsTest: Array<[string, number]> = [
  ['21', -973932308],
  ['foobar', -790332482],
  ['a-little-bit-long-string', -985981536],
  ['a-little-bit-longer-string', -1486304829],
  ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
  ['abc', 479470107],
];

// Vectors from kafkajs src/producer/partitioners/default/murmur2.spec.js (checked there against the Java client).
const kafkajsDefault: Array<[string, number]> = [
  ['0', 971027396],
  ['1', -1993445489],
  ['128', -326012175],
  ['2187', -1508407203],
  ['16384', -325739742],
  ['78125', -1654490814],
  ['279936', 1462227128],
  ['823543', -2014198330],
  ['2097152', 607668903],
  ['4782969', -1182699775],
  ['10000000', -1830336757],
  ['19487171', -1603849305],
  ['35831808', -857013643],
  ['62748517', -1167431028],
  ['105413504', -381294639],
  ['170859375', -1658323481],
];

type KafkajsMurmur2 = (key: Buffer | string) => number;
const require = createRequire(import.meta.url);

describe('murmur2', () => {
  it('matches the vectors of Kafka UtilsTest.testMurmur2', () => {
    for (const [input, want] of kafkaUtilsTest) assert.equal(murmur2(input), want, input);
  });

  it('matches the vectors of the kafkajs default partitioner', () => {
    for (const [input, want] of kafkajsDefault) assert.equal(murmur2(input), want, input);
  });

  it('hashes a string as its UTF-8 bytes, and the empty key', () => {
    assert.equal(murmur2('héllo→✓'), murmur2(Buffer.from('héllo→✓', 'utf8')));
    assert.equal(murmur2(''), 275646681);
  });

  it('agrees with the installed kafkajs on random binary keys of every tail length', () => {
    const kafkajs = require('kafkajs/src/producer/partitioners/default/murmur2.js') as KafkajsMurmur2;
    for (let i = 0; i < 2000; i++) {
      const key = randomBytes(i % 67);
      assert.equal(murmur2(key), kafkajs(key), key.toString('hex'));
    }
  });
});

describe('toPositive', () => {
  it('clears the sign bit like Kafka Utils.toPositive', () => {
    assert.equal(toPositive(5), 5);
    assert.equal(toPositive(-1), 0x7fffffff);
    assert.equal(toPositive(-2147483648), 0);
    assert.equal(toPositive(-973932308), -973932308 & 0x7fffffff);
  });
});
