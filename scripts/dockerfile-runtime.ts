/**
 * The runtime settings of a Dockerfile's final stage — what `docker build` would put in the
 * image config — so that scripts/assemble-local-image.sh builds its registry-free stand-in from
 * the Dockerfile itself instead of a second copy of the values, and tests compare the two.
 *
 *   node --import tsx scripts/dockerfile-runtime.ts changes DOCKERFILE     (NUL-separated `docker import --change` values)
 *   node --import tsx scripts/dockerfile-runtime.ts owned-dirs DOCKERFILE  ("UID:GID PATH" lines)
 *
 * Only the syntax the Dockerfile uses is understood; anything else fails loudly rather than
 * being mirrored wrongly.
 */
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

/** Instructions that set the image config; `docker import --change` takes each as it is. */
const CONFIG_INSTRUCTIONS = new Set(['USER', 'WORKDIR', 'ENV', 'EXPOSE', 'HEALTHCHECK', 'CMD', 'ENTRYPOINT', 'LABEL']);
/** Instructions that make files: the assembly script lays those files out itself. */
const FILE_INSTRUCTIONS = new Set(['FROM', 'COPY', 'ADD', 'RUN', 'ARG']);

/** The final stage's instructions, each on one line (continuations joined), comments dropped. */
export function finalStage(dockerfile: string): string[] {
  const lines = dockerfile
    .replace(/[ \t]*\\\n\s*/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
  const lastFrom = lines.map((line) => /^FROM\s/i.test(line)).lastIndexOf(true);
  if (lastFrom < 0) throw new Error('no FROM instruction');
  return lines.slice(lastFrom);
}

const keyword = (instruction: string) => (/^(\S+)/.exec(instruction)?.[1] ?? '').toUpperCase();

/** `ENV A=1 B=2` pairs, in order. Quotes, variables and the old `ENV KEY value` form are refused. */
export function envOf(stage: string[]): [string, string][] {
  return stage
    .filter((instruction) => keyword(instruction) === 'ENV')
    .flatMap((instruction) =>
      instruction
        .split(/\s+/)
        .slice(1)
        .map((pair): [string, string] => {
          const match = /^([A-Za-z_][A-Za-z0-9_]*)=([^\s"'$\\]*)$/.exec(pair);
          if (!match) throw new Error(`unsupported ENV syntax: ${pair}`);
          return [match[1] as string, match[2] as string];
        }),
    );
}

export interface OwnedDirectory {
  /** `UID:GID`, numeric. */
  owner: string;
  path: string;
}

/** Directories the stage copies in with `--chown` (the writable state directory). */
export function ownedDirectories(stage: string[]): OwnedDirectory[] {
  return stage
    .filter((instruction) => keyword(instruction) === 'COPY' && /\s--chown=/.test(instruction))
    .map((instruction) => {
      const match = /^COPY(?:\s+--from=\S+)?\s+--chown=(\d+:\d+)\s+\S+\s+(\/\S+)$/i.exec(instruction);
      if (!match) throw new Error(`unsupported COPY --chown syntax: ${instruction}`);
      return { owner: match[1] as string, path: (match[2] as string).replace(/\/$/, '') };
    });
}

export interface ChangeOptions {
  /** Replaces the HEALTHCHECK's `--interval` (tests want Docker's verdict within seconds). */
  healthInterval?: string | undefined;
}

/** The config instructions as `docker import --change` values, ENV normalised to one line. */
export function importChanges(stage: string[], options: ChangeOptions = {}): string[] {
  const changes: string[] = [];
  for (const instruction of stage) {
    const word = keyword(instruction);
    if (FILE_INSTRUCTIONS.has(word)) continue;
    if (!CONFIG_INSTRUCTIONS.has(word)) throw new Error(`no mirror for ${word}: ${instruction}`);
    if (word === 'ENV') {
      changes.push(`ENV ${envOf([instruction]).map(([key, value]) => `${key}=${value}`).join(' ')}`);
    } else if (word === 'HEALTHCHECK' && options.healthInterval !== undefined) {
      if (!/^\d+(ms|s|m|h)$/.test(options.healthInterval)) throw new Error(`bad health interval: ${options.healthInterval}`);
      changes.push(instruction.replace(/--interval=\S+/, `--interval=${options.healthInterval}`));
    } else {
      changes.push(instruction);
    }
  }
  return changes;
}

function main(args: string[]): void {
  const [command, dockerfile] = args;
  if (dockerfile === undefined) throw new Error('usage: dockerfile-runtime.ts changes|owned-dirs DOCKERFILE');
  const stage = finalStage(readFileSync(dockerfile, 'utf8'));
  if (command === 'changes') {
    const changes = importChanges(stage, { healthInterval: process.env['LUCID_HEALTH_INTERVAL'] });
    process.stdout.write(changes.map((change) => `${change}\0`).join(''));
  } else if (command === 'owned-dirs') {
    process.stdout.write(ownedDirectories(stage).map(({ owner, path }) => `${owner} ${path}\n`).join(''));
  } else {
    throw new Error(`unknown command: ${command}`);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main(process.argv.slice(2));
}
