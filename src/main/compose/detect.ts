import { basename } from 'node:path';
import { runProcess } from './process.js';

export type ComposeVariant = 'v1' | 'v2';

/** How to invoke compose: `docker compose …` (v2 plugin) or `docker-compose …` (v1, or v2 standalone). */
export interface ComposeCommand {
  command: string;
  /** Arguments before compose's own, i.e. `['compose']` for the docker CLI plugin. */
  prefix: string[];
  /** How operators would type it, for messages and health. */
  label: string;
}

export interface ComposeCli extends ComposeCommand {
  variant: ComposeVariant;
  version: string;
}

export type Detection = { found: true; cli: ComposeCli } | { found: false; tried: string[] };

const DETECT_TIMEOUT_MS = 15_000;

function isDockerCli(command: string): boolean {
  return /^docker(\.exe)?$/i.test(basename(command));
}

/** COMPOSE_BIN alone when set (the docker CLI means its plugin); otherwise the plugin, then v1. */
export function composeCandidates(composeBin: string | undefined): ComposeCommand[] {
  if (composeBin !== undefined) {
    return [
      isDockerCli(composeBin)
        ? { command: composeBin, prefix: ['compose'], label: `${composeBin} compose` }
        : { command: composeBin, prefix: [], label: composeBin },
    ];
  }
  return [
    { command: 'docker', prefix: ['compose'], label: 'docker compose' },
    { command: 'docker-compose', prefix: [], label: 'docker-compose' },
  ];
}

/** `1.29.2` and `v2.24.6` alike; the major version decides the variant. */
export function parseComposeVersion(text: string): { version: string; variant: ComposeVariant } | undefined {
  const match = /\bv?(\d+)\.(\d+)\.(\d+)/.exec(text);
  if (!match) return undefined;
  return { version: `${match[1]}.${match[2]}.${match[3]}`, variant: Number(match[1]) >= 2 ? 'v2' : 'v1' };
}

/** Asks each candidate for its version; the first that answers with one is used. */
export async function detectCompose(candidates: ComposeCommand[], env: NodeJS.ProcessEnv): Promise<Detection> {
  for (const candidate of candidates) {
    const out: string[] = [];
    const result = await runProcess({
      command: candidate.command,
      args: [...candidate.prefix, 'version', '--short'],
      env,
      timeoutMs: DETECT_TIMEOUT_MS,
      onLine: (stream, line) => {
        if (stream === 'stdout') out.push(line);
      },
    });
    const parsed = result.exitCode === 0 ? parseComposeVersion(out.join('\n')) : undefined;
    if (parsed) return { found: true, cli: { ...candidate, ...parsed } };
  }
  return { found: false, tried: candidates.map((c) => c.label) };
}
