// `npm test`: installs and starts ZooKeeper, Kafka and Redis, runs every compiled *.test.js with node --test, cleans up.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { ensureSystemPackages } from './services/apt.js';
import { DEFAULT_SERVICES, SERVICES, TEST_ENV } from './services/catalog.js';
import type { ServiceName } from './services/managed-service.js';
import { reapDeadRuns, reapRun, runPidsDir } from './services/orphans.js';
import { repoRoot } from './services/paths.js';
import { ensureUp, release } from './services/supervisor.js';

const USAGE = `usage: node dist/scripts/run-tests.js [filter ...]
  Runs dist/**/*.test.js (not *.case.test.js) whose path contains any filter, e.g. \`store\` or \`gateway/sub\`.
  env: KATEWAY_TEST_CONCURRENCY (test files at once, default 2), KATEWAY_TEST_TIMEOUT_MS (per test, default 120000),
       KATEWAY_TEST_DEADLINE_MIN (whole run, default 30)`;

const out = (line: string): void => void process.stdout.write(`[run-tests] ${line}\n`);
const root = repoRoot();

/** Compiled test files whose TypeScript source still exists (dist/ keeps files of deleted sources). */
function findTests(dir: string, found: string[] = []): string[] {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) {
      if (e.name !== 'node_modules') findTests(p, found);
    } else if (e.name.endsWith('.test.js') && !e.name.endsWith('.case.test.js')) {
      const source = join(root, relative(join(root, 'dist'), p)).replace(/\.js$/, '.ts');
      if (existsSync(source)) found.push(p);
    }
  }
  return found;
}

function matches(file: string, filters: string[]): boolean {
  if (filters.length === 0) return true;
  const rel = relative(join(root, 'dist'), file).split(sep).join('/');
  const src = rel.replace(/\.js$/, '.ts');
  return filters.some((f) => rel.includes(f) || src.includes(f));
}

async function startServices(): Promise<Record<string, string>> {
  const t0 = Date.now();
  await ensureSystemPackages();
  const opts = { owner: 'auto' as const, leaseHolder: process.pid, fresh: true, jit: 'quick' as const };
  const results = await Promise.allSettled(DEFAULT_SERVICES.map((n) => ensureUp(SERVICES[n], opts)));
  const env: Record<string, string> = {};
  const errors: string[] = [];
  results.forEach((r, i) => {
    const name = DEFAULT_SERVICES[i] as ServiceName;
    if (r.status === 'rejected') errors.push((r.reason as Error).message);
    else {
      env[TEST_ENV[name]] = r.value.endpoint;
      out(`${name.padEnd(10)} ${r.value.state.padEnd(8)} ${r.value.endpoint} (${r.value.ms} ms)`);
    }
  });
  if (errors.length) throw new Error(errors.join('\n\n'));
  out(`services ready in ${Date.now() - t0} ms`);
  return env;
}

async function stopServices(): Promise<void> {
  const killed = await reapRun(process.pid);
  if (killed) out(`killed ${killed} private server(s) that tests left running`);
  for (const name of Object.keys(SERVICES) as ServiceName[]) {
    const r = await release(SERVICES[name], process.pid).catch((err: Error) => `release failed: ${err.message}`);
    if (r === 'stopped' || r.startsWith('release')) out(`${name}: ${r}`);
  }
}

/**
 * Files that use the shared 3-broker cluster (they import the kafka-cluster helper). They kill brokers, so they run
 * one at a time, after the others; running them beside each other could take the controller quorum down.
 */
function usesCluster(file: string): boolean {
  return /\/kafka-cluster\.js['"]/.test(readFileSync(file, 'utf8'));
}

function runNodeTest(files: string[], env: Record<string, string>, concurrency: number): Promise<number> {
  const timeoutMs = Number(process.env.KATEWAY_TEST_TIMEOUT_MS) || 120_000;
  const deadlineMin = Number(process.env.KATEWAY_TEST_DEADLINE_MIN) || 30;
  const args = [
    '--enable-source-maps',
    '--test',
    '--test-reporter=spec',
    `--test-concurrency=${concurrency}`,
    `--test-timeout=${timeoutMs}`,
    // A file whose tests all finished but that leaks a handle (an unclosed client) must not hang the run.
    '--test-force-exit',
    ...files,
  ];
  const child = spawn(process.execPath, args, {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, ...env, KATEWAY_TEST_OWNER_PID: String(process.pid), KATEWAY_TEST_PIDS_DIR: runPidsDir(process.pid) },
  });
  const forward = (sig: NodeJS.Signals): void => void child.kill(sig);
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  const watchdog = setTimeout(() => {
    out(`the run exceeded KATEWAY_TEST_DEADLINE_MIN=${deadlineMin} minutes: stopping it`);
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
  }, deadlineMin * 60_000);
  return new Promise((resolve) => {
    child.on('exit', (code, signal) => {
      clearTimeout(watchdog);
      process.off('SIGINT', forward);
      process.off('SIGTERM', forward);
      resolve(code ?? (signal ? 1 : 0));
    });
  });
}

async function main(argv: string[]): Promise<number> {
  if (argv.includes('-h') || argv.includes('--help')) {
    out(USAGE);
    return 0;
  }
  const filters = argv.filter((a) => !a.startsWith('--'));
  const files = existsSync(join(root, 'dist')) ? findTests(join(root, 'dist')).filter((f) => matches(f, filters)).sort() : [];
  if (files.length === 0) {
    out(`no test files${filters.length ? ` match ${filters.join(', ')}` : ''} under dist/ (did the build run?)`);
    return 1;
  }
  out(`${files.length} test file(s)`);
  const t0 = Date.now();
  const reaped = await reapDeadRuns();
  if (reaped) out(`killed ${reaped} server(s) left by earlier runs`);
  let env: Record<string, string>;
  // Ctrl-C while services start: let the starts finish (they hold locks), then stop what this run started.
  let interrupted = false;
  const onSignal = (): void => {
    if (interrupted) process.exit(130);
    interrupted = true;
    out('interrupted: stopping the services once their start finishes (again to quit at once)');
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    env = await startServices();
  } catch (err) {
    out(`cannot start the test services, not running any test:\n${(err as Error).message}`);
    await stopServices();
    return 1;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  if (interrupted) {
    await stopServices();
    return 130;
  }
  const concurrency = Number(process.env.KATEWAY_TEST_CONCURRENCY) || 2;
  const serial = files.filter(usesCluster);
  const parallel = files.filter((f) => !serial.includes(f));
  let code = 1;
  // runNodeTest forwards signals to node --test; this only keeps an interrupted run from starting its next phase
  // (never exits here: the services must still be stopped below).
  const onTestSignal = (): void => {
    interrupted = true;
  };
  process.on('SIGINT', onTestSignal);
  process.on('SIGTERM', onTestSignal);
  try {
    code = parallel.length ? await runNodeTest(parallel, env, concurrency) : 0;
    if (serial.length && !interrupted) {
      out(`${serial.length} file(s) using the 3-broker Kafka cluster, one at a time`);
      code = Math.max(code, await runNodeTest(serial, env, 1));
    }
  } finally {
    process.off('SIGINT', onTestSignal);
    process.off('SIGTERM', onTestSignal);
    await stopServices();
  }
  out(`${code === 0 ? 'PASS' : `FAIL (exit ${code})`} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  return code;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: Error) => {
    process.stderr.write(`run-tests: ${err.stack ?? err.message}\n`);
    process.exit(1);
  },
);
