// A small Prometheus text-format registry: counters, gauges and histograms with label sets, cheap on hot paths.

type LabelValues = readonly string[];

interface Metric {
  readonly name: string;
  render(out: string[]): void;
}

const escapeLabel = (v: string): string => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');

function labelText(names: readonly string[], values: LabelValues, extra?: string): string {
  const parts = names.map((n, i) => `${n}="${escapeLabel(values[i] ?? '')}"`);
  if (extra) parts.push(extra);
  return parts.length ? `{${parts.join(',')}}` : '';
}

/** A monotonically increasing counter per label set. `child(values)` returns a handle to cache on hot paths. */
export class Counter implements Metric {
  readonly #series = new Map<string, { values: LabelValues; value: number }>();
  constructor(
    readonly name: string,
    readonly help: string,
    readonly labelNames: readonly string[] = [],
  ) {}

  child(...values: string[]): { inc(n?: number): void } {
    const key = values.join('\u0000');
    let s = this.#series.get(key);
    if (!s) {
      s = { values, value: 0 };
      this.#series.set(key, s);
    }
    const series = s;
    return { inc: (n = 1) => void (series.value += n) };
  }

  inc(values: string[] = [], n = 1): void {
    this.child(...values).inc(n);
  }

  get(...values: string[]): number {
    return this.#series.get(values.join('\u0000'))?.value ?? 0;
  }

  render(out: string[]): void {
    out.push(`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} counter`);
    for (const s of this.#series.values()) out.push(`${this.name}${labelText(this.labelNames, s.values)} ${s.value}`);
  }
}

/** A gauge whose value is read from a callback at scrape time. */
export class Gauge implements Metric {
  constructor(
    readonly name: string,
    readonly help: string,
    readonly read: () => number,
  ) {}

  render(out: string[]): void {
    out.push(`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} gauge`, `${this.name} ${this.read()}`);
  }
}

interface HistogramSeries {
  values: LabelValues;
  counts: number[];
  sum: number;
  count: number;
}

/** A cumulative histogram per label set with fixed upper bounds. */
export class Histogram implements Metric {
  readonly #series = new Map<string, HistogramSeries>();
  constructor(
    readonly name: string,
    readonly help: string,
    readonly labelNames: readonly string[],
    readonly buckets: readonly number[],
  ) {}

  child(...values: string[]): { observe(v: number): void } {
    const key = values.join('\u0000');
    let s = this.#series.get(key);
    if (!s) {
      s = { values, counts: new Array<number>(this.buckets.length).fill(0), sum: 0, count: 0 };
      this.#series.set(key, s);
    }
    const series = s;
    const bounds = this.buckets;
    return {
      observe: (v: number) => {
        series.sum += v;
        series.count++;
        // Store per-bucket (non-cumulative) counts; cumulate at render time so observe stays O(buckets) worst case.
        for (let i = 0; i < bounds.length; i++) {
          if (v <= bounds[i]!) {
            series.counts[i]!++;
            return;
          }
        }
      },
    };
  }

  render(out: string[]): void {
    out.push(`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`);
    for (const s of this.#series.values()) {
      let cum = 0;
      this.buckets.forEach((b, i) => {
        cum += s.counts[i]!;
        out.push(`${this.name}_bucket${labelText(this.labelNames, s.values, `le="${b}"`)} ${cum}`);
      });
      out.push(`${this.name}_bucket${labelText(this.labelNames, s.values, 'le="+Inf"')} ${s.count}`);
      out.push(`${this.name}_sum${labelText(this.labelNames, s.values)} ${s.sum}`);
      out.push(`${this.name}_count${labelText(this.labelNames, s.values)} ${s.count}`);
    }
  }
}

/** Holds metrics and renders them in the Prometheus text exposition format. */
export class MetricsRegistry {
  readonly #metrics: Metric[] = [];

  register<M extends Metric>(m: M): M {
    this.#metrics.push(m);
    return m;
  }

  render(): string {
    const out: string[] = [];
    for (const m of this.#metrics) m.render(out);
    return out.join('\n') + '\n';
  }
}

/** Latency buckets in seconds, from 100 µs to 10 s. */
export const latencyBuckets = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** Size buckets in bytes, from 64 B to 512 KiB. */
export const sizeBuckets = [64, 256, 1024, 4096, 16384, 65536, 262144, 524288];
