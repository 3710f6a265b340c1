// `kateway start`: the embedded default on one host, with the demo credentials and a curl example printed.
import { runGatewayProcess } from '../gateway/main.js';

export async function runEmbedded(argv: string[]): Promise<void> {
  const key = process.env['KATEWAY_DEMO_KEY'] ?? 'demo';
  await runGatewayProcess(argv);
  const pub = process.env['KATEWAY_PUB_PORT'] ?? '9191';
  const sub = process.env['KATEWAY_SUB_PORT'] ?? '9192';
  process.stdout.write(`
kateway is running (embedded SQLite store). Demo app: Appid=demo Key=${key === 'demo' ? 'demo' : '<KATEWAY_DEMO_KEY>'}
  publish:    curl -i -X POST -H 'Appid: demo' -H 'Pubkey: ${key === 'demo' ? 'demo' : '$KATEWAY_DEMO_KEY'}' -d 'hello' http://127.0.0.1:${pub}/v1/msgs/hello/v1
  subscribe:  curl -i -H 'Appid: demo' -H 'Subkey: ${key === 'demo' ? 'demo' : '$KATEWAY_DEMO_KEY'}' 'http://127.0.0.1:${sub}/v1/msgs/demo/hello/v1?group=g1'
`);
}
