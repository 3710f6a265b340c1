// The `kateway` command: `gateway` runs one gateway, `start` runs the embedded default for a quick start.
// Each command loads only its own modules: a proxy worker that imported the whole gateway would carry it in every process.

const usage = `usage:
  kateway start [--gateways N]  embedded default: edge proxy on 127.0.0.1:10891 + N gateways (2) on SQLite, demo app
  kateway gateway [flags]       one gateway (see README "Configuration")
  kateway proxy [flags]         the edge proxy (--zk/--zone, --registry-dir or --gateways; --config proxy.json)
`;

async function main(argv: string[]): Promise<void> {
  const [cmd, ...rest] = argv;
  switch (cmd) {
    case 'gateway':
      return (await import('../gateway/main.js')).runGatewayProcess(rest);
    case 'proxy':
      return (await import('./proxy-command.js')).runProxyCommand(rest);
    case 'start':
      return (await import('./embedded.js')).runEmbedded(rest);
    case undefined:
    case '-h':
    case '--help':
      process.stdout.write(usage);
      return;
    default:
      process.stderr.write(`unknown command ${cmd}\n${usage}`);
      process.exit(2);
  }
}

main(process.argv.slice(2)).catch((err: unknown) => {
  process.stderr.write(`kateway: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
