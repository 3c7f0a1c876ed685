import { LucidError } from '../../shared/errors.js';
import { PROJECT_NAME, SERVICE_NAME } from '../../shared/schemas/compose.js';
import type { ComposeCommand } from './detect.js';

export interface ProjectFiles {
  name: string;
  /** Absolute paths, already checked by the registry. */
  paths: string[];
}

/**
 * The part every compose command line starts with. Names are checked again here, where they
 * become arguments, so no caller can slip a flag into the command line.
 */
export function baseArgs(cli: ComposeCommand, project: ProjectFiles): string[] {
  if (!PROJECT_NAME.test(project.name)) throw new LucidError('VALIDATION_FAILED', 'invalid project name');
  if (project.paths.length === 0) throw new LucidError('PROJECT_NOT_FOUND', `compose project ${project.name} has no files`);
  return [...cli.prefix, '--ansi', 'never', '-p', project.name, ...project.paths.flatMap((path) => ['-f', path])];
}

export function upArgs(cli: ComposeCommand, project: ProjectFiles, services: string[] = []): string[] {
  for (const service of services) {
    if (!SERVICE_NAME.test(service)) throw new LucidError('VALIDATION_FAILED', 'invalid service name');
  }
  return [...baseArgs(cli, project), 'up', '-d', ...(services.length > 0 ? ['--', ...services] : [])];
}

export function downArgs(cli: ComposeCommand, project: ProjectFiles, options: { removeVolumes: boolean; timeout: number }): string[] {
  return [
    ...baseArgs(cli, project),
    'down',
    '--timeout',
    String(options.timeout),
    ...(options.removeVolumes ? ['--volumes'] : []),
  ];
}

export function listServicesArgs(cli: ComposeCommand, project: ProjectFiles): string[] {
  return [...baseArgs(cli, project), 'config', '--services'];
}
