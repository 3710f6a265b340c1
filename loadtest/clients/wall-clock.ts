// The clock of the mixed scenario's stamps, shared by its publisher and subscriber processes.

/**
 * Wall-clock ms with sub-ms resolution. Each process has its own `performance.timeOrigin`, but all are taken from the
 * same system clock, so stamps compare across the processes of one host (across hosts only with synchronised clocks).
 */
export const nowMs = (): number => performance.timeOrigin + performance.now();
