// Builds the configured Store; the Kafka clients (kafkajs, @platformatic/kafka) are loaded only when the Kafka store is chosen.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Logger } from '../../shared/log.js';
import type { KafkaStoreOptions } from './kafka/kafka-store.js';
import { MemoryStore, type MemoryStoreOptions } from './memory/memory-store.js';
import type { SqliteStoreOptions, SqliteSynchronous } from './sqlite/sqlite-options.js';
import { SqliteStore } from './sqlite/sqlite-store.js';
import type { Store } from './store.js';

/**
 * Which store backs the gateway, with its options (defaults documented on each options type).
 * `synchronous` also accepts SQLite's own upper-case spelling, as config files and flags write it.
 * gateway/config.ts StoreSettings is a subset of this type, so it can be passed as is.
 */
export type StoreConfig =
  | ({ kind: 'memory' } & MemoryStoreOptions)
  | ({ kind: 'sqlite'; synchronous?: 'normal' | 'full' | 'NORMAL' | 'FULL' } & Omit<SqliteStoreOptions, 'synchronous'>)
  | ({ kind: 'kafka' } & Omit<KafkaStoreOptions, 'log'>);

/** Opens the store; bad options throw (TypeError) before anything is opened. The SQLite file's directory is created if missing. */
export async function createStore(cfg: StoreConfig, log?: Logger): Promise<Store> {
  switch (cfg.kind) {
    case 'memory': {
      const { kind: _kind, ...opts } = cfg;
      return new MemoryStore(opts);
    }
    case 'sqlite': {
      const { kind: _kind, synchronous, ...opts } = cfg;
      mkdirSync(dirname(opts.path), { recursive: true });
      const level = synchronous?.toLowerCase() as SqliteSynchronous | undefined;
      return new SqliteStore({ ...opts, ...(level === undefined ? {} : { synchronous: level }), ...(log ? { log } : {}) });
    }
    case 'kafka': {
      // Owned by the Kafka store's engineer; imported lazily so memory/SQLite gateways never load the Kafka clients.
      const { kind: _kind, ...opts } = cfg;
      const { KafkaStore } = await import('./kafka/kafka-store.js');
      return new KafkaStore(log ? { ...opts, log } : opts);
    }
  }
}
