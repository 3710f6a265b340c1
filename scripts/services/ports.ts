// Shared-service ports: the standard ones, shifted by KATEWAY_INFRA_PORT_OFFSET to run a second, separate set.
/**
 * Offset added to every shared-service port (default 0). A CI-like run on a dev machine whose services are in use
 * sets e.g. 1000 (ZooKeeper 3181, Kafka 10092, Redis 7379, cluster 20092-20094) to start its own instead of reusing.
 */
export function portOffset(): number {
  const raw = process.env.KATEWAY_INFRA_PORT_OFFSET ?? '0';
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > 40_000) throw new Error(`KATEWAY_INFRA_PORT_OFFSET must be an integer 0..40000, got ${raw}`);
  return n;
}

/** `base` shifted by the offset. */
export const port = (base: number): number => base + portOffset();
