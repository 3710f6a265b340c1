// CLI for dev services: `node dist/scripts/infra.js up|down|status [zookeeper|kafka|kafka-cluster|redis] [--fresh] [--quick]`.
import { ensureSystemPackages } from './services/apt.js';
import { DEFAULT_SERVICES, SERVICES, isServiceName } from './services/catalog.js';
import type { ServiceName } from './services/managed-service.js';
import { down, ensureUp, status, type Status } from './services/supervisor.js';

const USAGE = `usage: node dist/scripts/infra.js up|down|status [zookeeper|kafka|kafka-cluster|redis ...] [--fresh] [--quick]
  up      install what is missing and start (default: zookeeper kafka redis); reuses what already runs
          --fresh  wipe data left by an earlier start    --quick  C1-only JVMs (start faster, run slower)
  down    stop what up or a test run started (default: all four); servers we did not start are left alone
  status  show what runs`;

function describe(s: Status): string {
  switch (s.state) {
    case 'running':
      return `running  owner=${s.owner} pids=${Object.values(s.pids).join(',')}${s.leases.length ? ` test-runs=${s.leases.join(',')}` : ''}${s.healthy ? '' : ' (NOT answering yet)'}`;
    case 'degraded':
      return `degraded owner=${s.owner} dead=${s.dead.join(',')}`;
    case 'external':
      return 'running  (not started by this checkout; left alone)';
    case 'stopped':
      return 'stopped';
  }
}

async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  const flags = new Set(rest.filter((a) => a.startsWith('--')));
  const names = rest.filter((a) => !a.startsWith('--'));
  const bad = names.filter((n) => !isServiceName(n));
  if (!cmd || !['up', 'down', 'status'].includes(cmd) || bad.length) {
    process.stderr.write((bad.length ? `unknown service: ${bad.join(', ')}\n` : '') + USAGE + '\n');
    return 2;
  }
  const chosen = names as ServiceName[];
  if (cmd === 'up') {
    await ensureSystemPackages();
    const list = chosen.length ? chosen : DEFAULT_SERVICES;
    const opts = { owner: 'manual' as const, fresh: flags.has('--fresh'), jit: flags.has('--quick') ? ('quick' as const) : ('full' as const) };
    const results = await Promise.allSettled(list.map((n) => ensureUp(SERVICES[n], opts)));
    let failed = false;
    results.forEach((r, i) => {
      if (r.status === 'fulfilled') process.stdout.write(`${list[i]!.padEnd(14)} ${r.value.state.padEnd(8)} ${r.value.endpoint}  (${r.value.ms} ms)\n`);
      else {
        failed = true;
        process.stdout.write(`${list[i]!.padEnd(14)} FAILED\n${(r.reason as Error).message}\n`);
      }
    });
    return failed ? 1 : 0;
  }
  const list = chosen.length ? chosen : (Object.keys(SERVICES) as ServiceName[]);
  if (cmd === 'down') {
    for (const n of list) process.stdout.write(`${n.padEnd(14)} ${await down(SERVICES[n])}\n`);
    return 0;
  }
  for (const n of list) process.stdout.write(`${n.padEnd(14)} ${describe(await status(SERVICES[n]))}  ${SERVICES[n].endpoint}\n`);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: Error) => {
    process.stderr.write(`infra: ${err.message}\n`);
    process.exit(1);
  },
);
