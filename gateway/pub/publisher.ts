// Appends an app's messages to its topic: name mapping, demo-mode topic creation, metrics.
import { AppError, ErrorCode, badRequest, isAppError } from '../../shared/errors.js';
import type { AppRecord } from '../auth/tenant-source.js';
import type { GatewayContext } from '../gateway-context.js';
import { storeTopic } from '../http/names.js';
import type { AppendOptions, OutgoingMessage, Position } from '../store/store.js';

/** How long a publish that created its topic retries while the new topic becomes visible (Kafka metadata). */
const CREATE_VISIBLE_MS = 5_000;

export class Publisher {
  /** Topics being created on first publish: concurrent first publishes wait for one creation. */
  readonly #creating = new Map<string, Promise<unknown>>();

  constructor(readonly ctx: GatewayContext) {}

  /** Checks a message's key and tag against the limits (400 when too big). */
  checkMeta(key: string | undefined, tag: string | undefined): void {
    const { maxKeyBytes, maxTagBytes } = this.ctx.config.limits;
    if (key !== undefined && Buffer.byteLength(key) > maxKeyBytes) throw badRequest(`too big key: limit is ${maxKeyBytes} bytes`);
    if (tag !== undefined && Buffer.byteLength(tag) > maxTagBytes) throw badRequest(`too big tag: limit is ${maxTagBytes} bytes`);
  }

  /** Checks one message body against the size limits (400 too small, 413 too big). */
  checkValue(value: Buffer): void {
    const { minPubBytes, maxPubBytes } = this.ctx.config.limits;
    if (value.length < minPubBytes) throw badRequest(`too small message: at least ${minPubBytes} bytes`);
    if (value.length > maxPubBytes) throw new AppError(ErrorCode.TOO_LARGE, `too big message: limit is ${maxPubBytes} bytes`);
  }

  /** Appends all messages or none; 404 for an unknown topic unless the app may create topics by publishing. */
  async publish(app: AppRecord, topic: string, ver: string, messages: OutgoingMessage[], opts: AppendOptions): Promise<Position[]> {
    const name = storeTopic(app.id, topic, ver);
    const started = performance.now();
    let positions: Position[];
    try {
      positions = await this.ctx.store.append(name, messages, opts);
    } catch (err) {
      if (!(isNotFound(err) && app.autoCreateTopics)) throw notFoundTopic(err, name);
      positions = await this.#createThenAppend(name, messages, opts);
    }
    const series = this.ctx.metrics.pub(app.id, name);
    let bytes = 0;
    for (const m of messages) {
      bytes += m.value.length;
      series.size.observe(m.value.length);
    }
    series.messages.inc(messages.length);
    series.bytes.inc(bytes);
    series.latency.observe((performance.now() - started) / 1000);
    return positions;
  }

  async #createThenAppend(name: string, messages: OutgoingMessage[], opts: AppendOptions): Promise<Position[]> {
    let creating = this.#creating.get(name);
    if (!creating) {
      creating = this.ctx.store.createTopic(name, { partitions: this.ctx.config.defaultPartitions }).finally(() => this.#creating.delete(name));
      this.#creating.set(name, creating);
    }
    await creating;
    // A topic just created (here or by another gateway) can take a moment to appear in a cluster's metadata.
    const deadline = Date.now() + CREATE_VISIBLE_MS;
    for (let wait = 25; ; wait = Math.min(wait * 2, 500)) {
      try {
        return await this.ctx.store.append(name, messages, opts);
      } catch (err) {
        if (!isNotFound(err) || Date.now() + wait > deadline) throw notFoundTopic(err, name);
        await new Promise((r) => setTimeout(r, wait));
      }
    }
  }
}

const isNotFound = (err: unknown): boolean => isAppError(err) && err.code === ErrorCode.NOT_FOUND;

function notFoundTopic(err: unknown, name: string): unknown {
  return isAppError(err) && err.code === ErrorCode.NOT_FOUND ? new AppError(ErrorCode.NOT_FOUND, `topic not found: ${name}`) : err;
}
