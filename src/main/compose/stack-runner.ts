import { LucidError } from '../../shared/errors.js';
import type { ComposeCli } from './detect.js';
import type { ComposeDriver } from './driver.js';
import type { ProcessOptions, ProcessResult } from './process.js';

export type StackRunOptions = Pick<ProcessOptions, 'cwd' | 'timeoutMs' | 'onLine'>;

/** Runs `docker stack …` against one engine. */
export interface StackRunner {
  run(args: string[], options: StackRunOptions): Promise<ProcessResult>;
}

/**
 * The docker CLI run through the compose driver: the same controlled environment (the host's
 * engine as DOCKER_HOST, no secrets of the manager), no shell, its own process group killed at the
 * deadline, and ended with the manager.
 */
export function dockerStackRunner(driver: ComposeDriver, dockerBin: string, dockerHost: () => Promise<string>): StackRunner {
  const cli: ComposeCli = { command: dockerBin, prefix: [], label: dockerBin, variant: 'v2', version: '' };
  return {
    run: async (args, options) => {
      try {
        return await driver.run(cli, args, { ...options, dockerHost: await dockerHost() });
      } catch (err) {
        if (err instanceof LucidError && err.code === 'COMPOSE_UNAVAILABLE') {
          throw new LucidError('COMPOSE_UNAVAILABLE', `the docker CLI (${dockerBin}) cannot be started`, { tried: [dockerBin] });
        }
        throw err;
      }
    },
  };
}
