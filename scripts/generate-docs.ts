// Regenerates the reference tables inside docs/*.md from the code they describe: the REST routes
// from the operation contract, the error codes from the one code → status table, and the
// environment variables from the config schema. Each table sits between two marker comments;
// everything outside them is written by hand and left alone. `npm run docs` writes the files;
// test/unit/docs-generated.test.ts fails when the committed files differ from what this renders.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { envSchema } from '../src/main/config/env.js';
import { HTTP_STATUS } from '../src/main/http/error-status.js';
import { operations, type OperationDef } from '../src/shared/contract/index.js';
import { INPUT_LOCATIONS } from '../src/shared/contract/input.js';
import { ERROR_CODES } from '../src/shared/errors.js';

const ROOT = new URL('../', import.meta.url);

/** Which generated block goes into which file. */
export const TARGETS: Readonly<Record<string, readonly BlockName[]>> = {
  'docs/api.md': ['routes', 'errors'],
  'docs/configuration.md': ['environment'],
  'README.md': ['environment-summary'],
};

export type BlockName = 'routes' | 'errors' | 'environment' | 'environment-summary';

/** The README's most used variables, each with a short meaning; the defaults come from the schema. */
const SUMMARY: Readonly<Record<string, string>> = {
  JWT_SECRET_KEY: 'HS256 key (≥ 32 bytes); required in production (or `JWT_PUBLIC_KEY` / `JWT_JWKS_URL`)',
  LUCID_ENV: '`production` refuses to start without a key',
  HOST: 'where the REST API listens',
  PORT: 'its port',
  DOCKER_HOST: 'the engine, or a socket proxy in front of it',
  SERVICES_CONFIG: 'the service groups',
  COMPOSE_PROJECTS_DIR: 'the compose files',
  AUDIT_LOG_PATH: 'the audit trail',
};

const SOURCES: Record<BlockName, string> = {
  routes: 'src/shared/contract',
  errors: 'src/shared/errors.ts and src/main/http/error-status.ts',
  environment: 'envSchema in src/main/config/env.ts',
  'environment-summary': 'envSchema in src/main/config/env.ts',
};

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\s*\n\s*/g, ' ');
}

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  return [
    `| ${header.join(' | ')} |`,
    `|${header.map(() => '---').join('|')}|`,
    ...rows.map((row) => `| ${row.map(cell).join(' | ')} |`),
  ].join('\n');
}

/** The names a caller passes, grouped by where REST takes them (path, query, body), `?` marking the optional ones. */
function parameters(def: OperationDef): string {
  const selectors = Object.keys(def.variantOf?.query ?? {});
  return INPUT_LOCATIONS.flatMap((location) => {
    const schema = z.toJSONSchema(def.input.parts[location], { io: 'input', unrepresentable: 'any' }) as {
      properties?: Record<string, unknown>;
      required?: string[];
    };
    const required = new Set(schema.required ?? []);
    const names = Object.keys(schema.properties ?? {})
      .filter((key) => !selectors.includes(key))
      .map((key) => `\`${key}${required.has(key) ? '' : '?'}\``);
    return names.length > 0 ? [`${location}: ${names.join(' ')}`] : [];
  }).join('; ');
}

function routePath(def: OperationDef): string {
  const selector = Object.entries(def.variantOf?.query ?? {}).map(([key, value]) => `${key}=${value}`);
  return `\`${def.path}${selector.length > 0 ? `?${selector.join('&')}` : ''}\``;
}

function access(def: OperationDef): string {
  if (def.access !== 'public') return `\`${def.access}\``;
  return def.publicUnless ? `public unless ${def.publicUnless}` : 'public';
}

function answer(def: OperationDef): string {
  if (def.subscription) return `SSE \`${def.eventName ?? 'progress'}\` events until closed`;
  if (def.events) return `JSON, or SSE \`${def.eventName ?? 'progress'}\` events then \`result\``;
  if (def.produces) return def.produces.split(';')[0] ?? def.produces;
  return def.statusWhen ? `JSON (${def.statusWhen.status} when not OK)` : 'JSON';
}

export function renderRoutes(): string {
  const rows = Object.entries(operations as Record<string, OperationDef>).map(([name, def]) => [
    def.method,
    routePath(def),
    `\`${name}\``,
    access(def),
    def.kind,
    parameters(def),
    answer(def),
    def.summary,
  ]);
  return table(['method', 'path', 'operation (IPC)', 'permission', 'kind', 'parameters', 'answer', 'summary'], rows);
}

export function renderErrors(): string {
  const rows = [...ERROR_CODES]
    .map((code, index) => ({ code, status: HTTP_STATUS[code], index }))
    .sort((a, b) => a.status - b.status || a.index - b.index)
    .map(({ code, status }) => [`\`${code}\``, String(status)]);
  return table(['code', 'HTTP status'], rows);
}

function formatDefault(schema: z.ZodType): string {
  const documented = schema.meta()?.['documentedDefault'];
  if (typeof documented === 'string') return documented;
  const parsed = schema.safeParse(undefined);
  if (!parsed.success || parsed.data === undefined) return '—';
  if (Array.isArray(parsed.data)) return parsed.data.length === 0 ? 'none' : `\`${parsed.data.join(',')}\``;
  return `\`${String(parsed.data)}\``;
}

export function renderEnvironment(): string {
  const rows = Object.entries(envSchema.shape as Record<string, z.ZodType>).map(([key, schema]) => {
    if (!schema.description) throw new Error(`${key} in src/main/config/env.ts has no .describe('…')`);
    return [`\`${key}\``, formatDefault(schema), schema.description];
  });
  return table(['variable', 'default', 'meaning'], rows);
}

export function renderEnvironmentSummary(): string {
  const shape = envSchema.shape as Record<string, z.ZodType>;
  const rows = Object.entries(SUMMARY).map(([key, meaning]) => {
    const schema = shape[key];
    if (!schema) throw new Error(`${key} is not in envSchema`);
    return [`\`${key}\``, formatDefault(schema), meaning];
  });
  return table(['variable', 'default', 'meaning'], rows);
}

const RENDER: Record<BlockName, () => string> = {
  routes: renderRoutes,
  errors: renderErrors,
  environment: renderEnvironment,
  'environment-summary': renderEnvironmentSummary,
};

function markers(name: BlockName): { start: string; end: string } {
  return { start: `<!-- generated:${name} -->`, end: `<!-- /generated:${name} -->` };
}

/** The file's text with each of `blocks` replaced by what the code renders now. */
export function regenerate(file: string, text: string, blocks: readonly BlockName[]): string {
  let out = text;
  for (const name of blocks) {
    const { start, end } = markers(name);
    const from = out.indexOf(start);
    const to = out.indexOf(end);
    if (from < 0 || to < from) throw new Error(`${file} lacks the markers ${start} … ${end}`);
    const body = `\n<!-- Generated by npm run docs from ${SOURCES[name]}; edit the code, not this table. -->\n\n${RENDER[name]()}\n\n`;
    out = out.slice(0, from + start.length) + body + out.slice(to);
  }
  return out;
}

export function targetPath(file: string): string {
  return fileURLToPath(new URL(file, ROOT));
}

function main(): void {
  for (const [file, blocks] of Object.entries(TARGETS)) {
    const path = targetPath(file);
    const before = readFileSync(path, 'utf8');
    const after = regenerate(file, before, blocks);
    if (after !== before) writeFileSync(path, after);
    console.log(`${file}: ${after === before ? 'up to date' : 'regenerated'}`);
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) main();
