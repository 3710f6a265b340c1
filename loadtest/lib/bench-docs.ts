// Keeps docs/BENCHMARKS.md and docs/benchmarks.json: each bench command owns one marked section and one JSON key.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (dist/loadtest/lib → ../../..). */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const BENCHMARKS_MD = join(REPO_ROOT, 'docs', 'BENCHMARKS.md');
export const BENCHMARKS_JSON = join(REPO_ROOT, 'docs', 'benchmarks.json');

const HEADER = `# Benchmarks

Written by the bench commands (\`npm run bench:gateway\`, \`npm run bench\`); each one rewrites only its own section below
and its own key in [benchmarks.json](benchmarks.json). Anchors and method: \`../shared/reference/limits.md\`;
how to run and read them: [loadtest/README.md](../loadtest/README.md).
`;

/** Replaces (or appends) the section between `<!-- key:start -->` and `<!-- key:end -->`. */
export function writeMdSection(key: string, markdown: string, file = BENCHMARKS_MD): void {
  mkdirSync(dirname(file), { recursive: true });
  const start = `<!-- ${key}:start -->`;
  const end = `<!-- ${key}:end -->`;
  const block = `${start}\n${markdown.trim()}\n${end}`;
  let text = existsSync(file) ? readFileSync(file, 'utf8') : HEADER;
  const i = text.indexOf(start);
  const j = text.indexOf(end);
  text = i >= 0 && j > i ? text.slice(0, i) + block + text.slice(j + end.length) : `${text.trimEnd()}\n\n${block}\n`;
  writeFileSync(file, text);
}

/** The previous value stored under `key`, if any. */
export function readJsonKey<T>(key: string, file = BENCHMARKS_JSON): T | undefined {
  if (!existsSync(file)) return undefined;
  try {
    return (JSON.parse(readFileSync(file, 'utf8')) as Record<string, T>)[key];
  } catch {
    return undefined;
  }
}

/** Stores `value` under `key`, keeping the other keys. */
export function writeJsonKey(key: string, value: unknown, file = BENCHMARKS_JSON): void {
  mkdirSync(dirname(file), { recursive: true });
  let all: Record<string, unknown> = {};
  if (existsSync(file)) {
    try {
      all = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    } catch {
      all = {};
    }
  }
  all[key] = value;
  writeFileSync(file, JSON.stringify(all, null, 2) + '\n');
}
