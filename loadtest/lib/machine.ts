// Describes the machine a benchmark ran on: CPUs, CPU model, kernel, memory, Node version, load.
import { readFileSync } from 'node:fs';
import { cpus, loadavg, release, totalmem } from 'node:os';

export interface MachineInfo {
  nproc: number;
  cpuModel: string;
  kernel: string;
  memGiB: number;
  node: string;
  /** 1-minute load average when the run started and ended: above ~0.5 on 2 cores, other work shares the CPUs. */
  load1: number[];
  date: string;
}

export function machineInfo(): MachineInfo {
  let cpuModel = cpus()[0]?.model ?? 'unknown';
  try {
    const m = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (m) cpuModel = m[1]!.trim();
  } catch {
    // keep os.cpus()
  }
  return {
    nproc: cpus().length,
    cpuModel,
    kernel: release(),
    memGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    load1: [Number(loadavg()[0]!.toFixed(2))],
    date: new Date().toISOString(),
  };
}

export const machineLine = (m: MachineInfo): string =>
  `${m.nproc} CPUs (${m.cpuModel}), ${m.memGiB} GiB RAM, Linux ${m.kernel}, Node ${m.node}; ` +
  `1-min load average ${m.load1.join(' → ')} (start → end)`;
