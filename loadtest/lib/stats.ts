// Small statistics and number formatting helpers shared by the benchmark reports.
export const median = (xs: readonly number[]): number => {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

/** The q-quantile (0..1) of already sorted numbers, nearest rank. */
export const quantileSorted = (sorted: readonly number[], q: number): number =>
  sorted.length ? sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]! : NaN;

/** Thousands separators, fixed decimals; NaN and undefined print as an em dash. */
export const fmt = (n: number | undefined, d = 0): string =>
  n === undefined || !Number.isFinite(n) ? '—' : n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });

/** Median, min and max of a series, the shape every table cell uses. */
export interface Spread {
  median: number;
  min: number;
  max: number;
  n: number;
}

export const spread = (xs: readonly number[]): Spread => ({
  median: median(xs),
  min: xs.length ? Math.min(...xs) : NaN,
  max: xs.length ? Math.max(...xs) : NaN,
  n: xs.length,
});

/** "**median** (min–max)" as in ../shared/reference/limits.md. */
export const fmtSpread = (s: Spread, d = 0): string => `**${fmt(s.median, d)}** (${fmt(s.min, d)}–${fmt(s.max, d)})`;
