// A `kateway proxy` stand-in for multi-process tests: options and gateways from a JSON file, cluster + signals.
import { readFileSync } from 'node:fs';
import type { GatewayEndpoint } from '../../shared/discovery/gateway-endpoint.js';
import { createLogger } from '../../shared/log.js';
import { runProxy } from '../cluster.js';
import type { ProxyOptions } from '../config.js';
import { StaticGatewaySource } from '../../shared/discovery/static-gateway-source.js';

interface FixtureFile {
  options: ProxyOptions;
  gateways: GatewayEndpoint[];
}

const file = process.argv[2];
if (!file) throw new Error('usage: cluster-fixture.js <config.json>');
const read = (): FixtureFile => JSON.parse(readFileSync(file, 'utf8')) as FixtureFile;

await runProxy({
  loadOptions: () => read().options,
  makeSource: () => new StaticGatewaySource(read().gateways),
  logger: createLogger({ svc: 'proxy-fixture', pid: process.pid }, 'warn'),
  onReady: (addresses) => process.stdout.write(`READY ${addresses.map((a) => a.port).join(',')}\n`),
});
