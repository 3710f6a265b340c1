// Command-line options every user-facing scenario shares: where kateway is, which app and key, how long, how hard.
import { parseArgs, type ParseArgsConfig } from 'node:util';

export interface Target {
  /** Publish base URL: the kateway proxy (one port for everything) or a gateway's pub listener. */
  pubUrl: string;
  /** Subscribe base URL (default: pubUrl). */
  subUrl: string;
  appid: string;
  /** Pubkey (default: --key). */
  pubkey: string;
  /** Subkey (default: --key). */
  subkey: string;
  topic: string;
  ver: string;
  seconds: number;
  connections: number;
}

export const targetOptions = {
  url: { type: 'string', default: 'http://127.0.0.1:10891' },
  'pub-url': { type: 'string' },
  'sub-url': { type: 'string' },
  app: { type: 'string', default: 'demo' },
  key: { type: 'string', default: 'demo' },
  pubkey: { type: 'string' },
  subkey: { type: 'string' },
  topic: { type: 'string', default: 'loadtest' },
  ver: { type: 'string', default: 'v1' },
  seconds: { type: 'string', default: '10' },
  connections: { type: 'string', default: '64' },
  help: { type: 'boolean', default: false },
} as const satisfies ParseArgsConfig['options'];

export const targetHelp = `target options:
  --url URL          kateway base URL for both pub and sub (default http://127.0.0.1:10891, the kateway proxy)
  --pub-url URL      publish base URL (a gateway's pub listener, e.g. http://host:9191); default --url
  --sub-url URL      subscribe base URL (e.g. http://host:9192); default --url
  --app ID           Appid (default demo)      --key K    Pubkey and Subkey (default demo)
  --pubkey K / --subkey K                      separate keys
  --topic T          topic (default loadtest)  --ver V    version (default v1)
  --seconds N        duration (default 10)     --connections N   concurrent connections (default 64)`;

/** Parses the shared options plus `extra`; prints `usage` and exits on --help. */
export function parseTarget<E extends NonNullable<ParseArgsConfig['options']>>(
  usage: string,
  extra: E,
  argv = process.argv.slice(2),
): { target: Target; values: Record<string, string | boolean | undefined> } {
  const { values } = parseArgs({ args: argv, options: { ...targetOptions, ...extra }, strict: true });
  const v = values as Record<string, string | boolean | undefined>;
  if (v['help']) {
    process.stdout.write(`${usage}\n\n${targetHelp}\n`);
    process.exit(0);
  }
  const url = String(v['url']).replace(/\/$/, '');
  const key = String(v['key']);
  return {
    target: {
      pubUrl: String(v['pub-url'] ?? url).replace(/\/$/, ''),
      subUrl: String(v['sub-url'] ?? v['pub-url'] ?? url).replace(/\/$/, ''),
      appid: String(v['app']),
      pubkey: String(v['pubkey'] ?? key),
      subkey: String(v['subkey'] ?? key),
      topic: String(v['topic']),
      ver: String(v['ver']),
      seconds: Number(v['seconds']),
      connections: Number(v['connections']),
    },
    values: v,
  };
}
