import { LucidError } from '../../shared/errors.js';
import { PROJECT_NAME, SERVICE_NAME } from '../../shared/schemas/compose.js';
import type { ComposeCommand } from './detect.js';

/** What one compose command line acts on. */
export interface ComposeTarget {
  name: string;
  /** What each `-f` names: `/dev/fd/N` for a file handed over open, else a checked real path. */
  files: string[];
  /** `--project-directory`: relative paths in the files resolve from here, as from the file's own folder. */
  directory: string;
}

/**
 * The part every compose command line starts with. Names are checked again here, where they
 * become arguments, so no caller can slip a flag into the command line.
 */
export function baseArgs(cli: ComposeCommand, target: ComposeTarget): string[] {
  if (!PROJECT_NAME.test(target.name)) throw new LucidError('VALIDATION_FAILED', 'invalid project name');
  if (target.files.length === 0) throw new LucidError('PROJECT_NOT_FOUND', `compose project ${target.name} has no files`);
  return [
    ...cli.prefix,
    '--ansi',
    'never',
    '-p',
    target.name,
    '--project-directory',
    target.directory,
    ...target.files.flatMap((file) => ['-f', file]),
  ];
}

export function upArgs(cli: ComposeCommand, target: ComposeTarget, services: string[] = []): string[] {
  for (const service of services) {
    if (!SERVICE_NAME.test(service)) throw new LucidError('VALIDATION_FAILED', 'invalid service name');
  }
  return [...baseArgs(cli, target), 'up', '-d', ...(services.length > 0 ? ['--', ...services] : [])];
}

/** `--remove-orphans`: containers of services since removed from the files go too, or down would leave them running. */
export function downArgs(cli: ComposeCommand, target: ComposeTarget, options: { removeVolumes: boolean; timeout: number }): string[] {
  return [
    ...baseArgs(cli, target),
    'down',
    '--remove-orphans',
    '--timeout',
    String(options.timeout),
    ...(options.removeVolumes ? ['--volumes'] : []),
  ];
}

export function listServicesArgs(cli: ComposeCommand, target: ComposeTarget): string[] {
  return [...baseArgs(cli, target), 'config', '--services'];
}
