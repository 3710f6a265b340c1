// The result shapes of `npm run bench`, shared by the runner, the report and the JSON copy.
import type { MemoryCheckResult } from './memory-check.js';
import type { KafkaAnchor } from './kafka-anchor.js';
import type { MachineInfo } from './machine.js';
import type { Spread } from './stats.js';
import type { MixedResult } from '../clients/e2e-latency.js';
import type { SubscribeMode } from '../clients/mixed-subscriber.js';
import type { SoakResult } from './soak.js';

export interface WrkRow {
  /** Stable key for comparisons between runs: store|scenario|path, or bare|anchor. */
  id: string;
  store: string;
  scenario: string;
  label: string;
  path: string;
  msgsPerReq: number;
  rps: Spread;
  msgsPerSec: Spread;
  p50Ms: number;
  p99Ms: number;
  /** Server CPU µs per request: the gateway (or bare server), and the front proxy when there is one. */
  cpuUsPerReq: { server: number; front?: number };
  runs: number;
  badRuns: number;
  badDetail?: string;
}

export interface WsRow {
  id: string;
  store: string;
  path: string;
  connections: number;
  msgsPerSec: number;
  cpuUsPerMsg: { server: number; front?: number };
  failed: number;
  error?: string;
}

export interface MixedRow {
  id: string;
  store: string;
  path: string;
  mode: SubscribeMode;
  /** One result per round that completed (the judged rows run in several rounds, the others once). */
  results: MixedResult[];
  /** The error of each round that failed. */
  errors: string[];
}

export interface BenchResult {
  machine: MachineInfo;
  options: Record<string, unknown>;
  wallSeconds: number;
  wrk: WrkRow[];
  ws: WsRow[];
  mixed: MixedRow[];
  kafkaAnchor?: KafkaAnchor;
  memory?: MemoryCheckResult;
  soak?: SoakResult;
  notes: string[];
}
