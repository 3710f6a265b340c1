// Runs one gateway as a process: config from flags/env, signals, a hard bound on shutdown.
import { createLogger } from '../shared/log.js';
import { startGateway, type GatewayDeps } from './gateway.js';
import { gatewayConfigFrom } from './gateway-options.js';
import { registrationFor } from './registration.js';

/** `kateway gateway [flags]`: starts, prints where it listens, exits 0 after a graceful SIGTERM/SIGINT. */
export async function runGatewayProcess(argv: string[], deps: GatewayDeps = {}): Promise<void> {
  const config = gatewayConfigFrom(argv, process.env);
  const log = createLogger({ svc: 'gateway', id: config.id });
  if (config.tenants.kind === 'zk' && !config.zk) throw new Error('--tenants zk needs --zk <connect string>');
  const registration = await registrationFor(config, log);
  let gw;
  try {
    gw = await startGateway(config, { log, ...registration?.deps, ...deps });
  } catch (err) {
    await registration?.close();
    throw err;
  }
  const running = gw;
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    log.info('shutting down', { signal });
    const hard = setTimeout(() => {
      log.error('shutdown bound exceeded; exiting', { ms: config.shutdownTimeoutMs });
      process.exit(1);
    }, config.shutdownTimeoutMs);
    hard.unref();
    running
      .close()
      .then(() => registration?.close())
      .then(
      () => process.exit(0),
      (err: unknown) => {
        log.error('shutdown failed', { err });
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  // Machine-readable readiness line for launchers and tests.
  process.stdout.write(JSON.stringify({ ready: true, id: config.id, ports: gw.ports }) + '\n');
}
