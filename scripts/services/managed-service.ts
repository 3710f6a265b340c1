// The contract each shared service (ZooKeeper, Kafka, Kafka cluster, Redis) implements for the supervisor.
import type { LaunchSpec } from './proc.js';

export type ServiceName = 'zookeeper' | 'kafka' | 'kafka-cluster' | 'redis';

export interface StartOptions {
  /** Wipe data left by an earlier start (test runs want an empty server). */
  fresh: boolean;
  /** 'quick': C1-only JIT, starts ~30 % faster (test runs); 'full': normal JIT for dev and benchmarks. */
  jit: 'quick' | 'full';
}

/**
 * A service the supervisor can install, start detached, probe, and stop. It owns no state itself: everything lives
 * in the folder `dir` the supervisor passes in (`.data/infra/<name>`).
 */
export interface ManagedService {
  readonly name: ServiceName;
  /** What clients connect to: `host:port`, comma-separated for a cluster. */
  readonly endpoint: string;
  /** Every port the service listens on (client and internal); a start requires them all free. */
  readonly ports: readonly number[];
  /** Its processes: `['main']`, or one name per broker. */
  readonly members: readonly string[];
  /** Milliseconds a cold start may take before it counts as failed. */
  readonly readyTimeoutMs: number;
  /** Downloads what is missing (apt packages are installed before, for all services at once). */
  install(): Promise<void>;
  /** Writes configs and formats storage in `dir`, wiping old data first when `opts.fresh`. */
  prepare(dir: string, opts: StartOptions): Promise<void>;
  /** The command for one member; its cwd must lie under `dir` (that is how its pid is recognised later). */
  launchSpec(dir: string, member: string, opts: StartOptions): LaunchSpec;
  /** True if a working server of this kind answers on the endpoint now (all members, for a cluster). */
  probe(): Promise<boolean>;
  /** True if one member answers and has joined (cluster restarts); defaults to `probe`. */
  probeMember?(member: string): Promise<boolean>;
  /** Log files worth showing when a start fails. */
  logFiles(dir: string): string[];
}
