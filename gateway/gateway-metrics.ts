// The gateway's Prometheus metrics, with per app/topic handles cached so the hot path does one Map lookup.
import { Counter, Gauge, Histogram, MetricsRegistry, latencyBuckets, sizeBuckets } from '../shared/metrics.js';

export interface PubSeries {
  messages: { inc(n?: number): void };
  bytes: { inc(n?: number): void };
  latency: { observe(v: number): void };
  size: { observe(v: number): void };
}

export interface SubSeries {
  messages: { inc(n?: number): void };
  bytes: { inc(n?: number): void };
  /** Seconds from publish to delivery. */
  endToEnd: { observe(v: number): void };
  /** Messages a subscriber's X-Tag filter skipped (processed without delivery). */
  filtered: { inc(n?: number): void };
}

export class GatewayMetrics {
  readonly registry = new MetricsRegistry();
  readonly #pubMessages = this.registry.register(new Counter('kateway_pub_messages_total', 'Messages published', ['appid', 'topic']));
  readonly #pubBytes = this.registry.register(new Counter('kateway_pub_bytes_total', 'Payload bytes published', ['appid', 'topic']));
  readonly #pubLatency = this.registry.register(
    new Histogram('kateway_pub_latency_seconds', 'Publish request latency', ['appid', 'topic'], latencyBuckets),
  );
  readonly #pubSize = this.registry.register(new Histogram('kateway_pub_message_bytes', 'Published message size', ['appid', 'topic'], sizeBuckets));
  readonly #subMessages = this.registry.register(new Counter('kateway_sub_messages_total', 'Messages delivered', ['appid', 'topic']));
  readonly #subBytes = this.registry.register(new Counter('kateway_sub_bytes_total', 'Payload bytes delivered', ['appid', 'topic']));
  readonly #subE2e = this.registry.register(
    new Histogram('kateway_sub_delivery_latency_seconds', 'Time from publish to delivery', ['appid', 'topic'], latencyBuckets),
  );
  readonly #subFiltered = this.registry.register(
    new Counter('kateway_sub_filtered_total', "Messages skipped by a subscriber's X-Tag filter", ['appid', 'topic']),
  );
  readonly errors = this.registry.register(new Counter('kateway_http_errors_total', 'Error responses', ['route', 'status']));
  readonly redeliveries = this.registry.register(new Counter('kateway_sub_redeliveries_total', 'Messages delivered again', []));
  /** appid → topic → series: two lookups of strings that keep their hash, instead of building a key per request. */
  readonly #pubCache = new Map<string, Map<string, PubSeries>>();
  readonly #subCache = new Map<string, Map<string, SubSeries>>();

  constructor(gauges: { connections: () => number; sessions: () => number }) {
    this.registry.register(new Gauge('kateway_connections', 'Open client connections', gauges.connections));
    this.registry.register(new Gauge('kateway_sub_sessions', 'Consumer group sessions held', gauges.sessions));
    this.registry.register(new Gauge('kateway_heap_used_bytes', 'V8 heap in use', () => process.memoryUsage().heapUsed));
  }

  /** Series of the publishing app's topic. */
  pub(appid: string, topic: string): PubSeries {
    const hit = this.#pubCache.get(appid)?.get(topic);
    if (hit) return hit;
    return remember(this.#pubCache, appid, topic, {
      messages: this.#pubMessages.child(appid, topic),
      bytes: this.#pubBytes.child(appid, topic),
      latency: this.#pubLatency.child(appid, topic),
      size: this.#pubSize.child(appid, topic),
    });
  }

  /** Series of a consuming app on a store topic. */
  sub(appid: string, topic: string): SubSeries {
    const hit = this.#subCache.get(appid)?.get(topic);
    if (hit) return hit;
    return remember(this.#subCache, appid, topic, {
      messages: this.#subMessages.child(appid, topic),
      bytes: this.#subBytes.child(appid, topic),
      endToEnd: this.#subE2e.child(appid, topic),
      filtered: this.#subFiltered.child(appid, topic),
    });
  }
}

function remember<S>(cache: Map<string, Map<string, S>>, appid: string, topic: string, series: S): S {
  let byTopic = cache.get(appid);
  if (!byTopic) cache.set(appid, (byTopic = new Map()));
  byTopic.set(topic, series);
  return series;
}
