// Folds the rounds of one mixed end-to-end row into what the report prints and judges: the p99 of each round (so the
// noise between rounds stays visible) and their median, the other latencies as medians, the counts as sums.
import type { MixedResult } from '../clients/e2e-latency.js';
import { median } from './stats.js';

export interface MixedSummary {
  rounds: number;
  /** End-to-end p99 of each round, ms, in round order. */
  p99PerRound: number[];
  /** The median of `p99PerRound`: the figure the target is judged on. */
  p99: number;
  p50: number;
  p999: number;
  /** The largest end-to-end latency of any round. */
  max: number;
  pubP50: number;
  pubP99: number;
  published: number;
  received: number;
  lost: number;
  duplicates: number;
  pubErrors: number;
  firstPubError?: string;
  subErrors: number;
  firstSubError?: string;
  /** Median event-loop delay p99 of the generator processes, ms. */
  generatorDelay: { publisher: number; subscriber: number };
}

export function summariseMixed(results: readonly MixedResult[]): MixedSummary {
  const med = (pick: (r: MixedResult) => number): number => median(results.map(pick));
  const sum = (pick: (r: MixedResult) => number): number => results.reduce((a, r) => a + pick(r), 0);
  const p99PerRound = results.map((r) => r.e2e.p99);
  const firstPubError = results.find((r) => r.firstPubError)?.firstPubError;
  const firstSubError = results.find((r) => r.firstSubError)?.firstSubError;
  return {
    rounds: results.length,
    p99PerRound,
    p99: median(p99PerRound),
    p50: med((r) => r.e2e.p50),
    p999: med((r) => r.e2e.p999),
    max: results.length ? Math.max(...results.map((r) => r.e2e.max)) : NaN,
    pubP50: med((r) => r.pub.p50),
    pubP99: med((r) => r.pub.p99),
    published: sum((r) => r.published),
    received: sum((r) => r.received),
    lost: sum((r) => r.lost),
    duplicates: sum((r) => r.duplicates),
    pubErrors: sum((r) => r.pubErrors),
    ...(firstPubError ? { firstPubError } : {}),
    subErrors: sum((r) => r.subErrors),
    ...(firstSubError ? { firstSubError } : {}),
    generatorDelay: { publisher: med((r) => r.generator.publisher.p99), subscriber: med((r) => r.generator.subscriber.p99) },
  };
}
