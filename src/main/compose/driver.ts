import { LucidError } from '../../shared/errors.js';
import { composeCandidates, detectCompose, type ComposeCli, type Detection } from './detect.js';
import { LiveProcesses } from './live-processes.js';
import { startProcess, type ProcessOptions, type ProcessResult } from './process.js';

export interface ComposeDriverOptions {
  /** COMPOSE_BIN: use this program instead of detecting one. */
  composeBin?: string | undefined;
  /** The manager's DOCKER_HOST, so compose talks to the same engine as the API calls. */
  dockerHost: string;
}

/**
 * What a compose child inherits. Not the manager's whole environment: that holds the JWT key and
 * other secrets compose has no business seeing. Variables a project needs go in its `.env` file.
 */
const INHERITED_ENV = [
  'PATH',
  'HOME',
  'USER',
  'LOGNAME',
  'LANG',
  'LC_ALL',
  'TMPDIR',
  'DOCKER_CONFIG',
  'DOCKER_CERT_PATH',
  'DOCKER_TLS_VERIFY',
  // Windows needs these to start programs and find the docker CLI's config.
  'SystemRoot',
  'PATHEXT',
  'USERPROFILE',
  'APPDATA',
  'LOCALAPPDATA',
  'ProgramData',
  'TEMP',
  'TMP',
];

export type DriverInfo =
  | { available: true; variant: ComposeCli['variant']; version: string; command: string }
  | { available: false; tried: string[] };

/**
 * Finds the compose CLI once and runs it with a controlled environment. It knows every compose
 * process it started until that ends, so that closing the manager (or its process exiting)
 * ends them too instead of leaving them running without a deadline.
 */
export class ComposeDriver {
  private detection: Promise<Detection> | undefined;
  private readonly live = new LiveProcesses();
  private closed = false;

  constructor(private readonly options: ComposeDriverOptions) {}

  /** `dockerHost`: the engine of this run (a project's host), else the manager's default. */
  env(dockerHost: string = this.options.dockerHost): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = {};
    for (const key of INHERITED_ENV) {
      const value = process.env[key];
      if (value !== undefined) env[key] = value;
    }
    env['DOCKER_HOST'] = dockerHost;
    // v2 prints plain progress lines with this; v1 ignores it and is plain already with --ansi never.
    env['COMPOSE_PROGRESS'] = 'plain';
    return env;
  }

  /** Detects on first use (the manager starts it at start); a miss is retried on the next call. */
  detect(): Promise<Detection> {
    if (this.detection === undefined) {
      const pending = detectCompose(composeCandidates(this.options.composeBin), this.env());
      this.detection = pending;
      void pending.then((found) => {
        if (!found.found && this.detection === pending) this.detection = undefined;
      });
    }
    return this.detection;
  }

  async info(): Promise<DriverInfo> {
    const detection = await this.detect();
    return detection.found
      ? { available: true, variant: detection.cli.variant, version: detection.cli.version, command: detection.cli.label }
      : { available: false, tried: detection.tried };
  }

  async cli(): Promise<ComposeCli> {
    const detection = await this.detect();
    if (detection.found) return detection.cli;
    throw unavailable(detection.tried);
  }

  async run(
    cli: ComposeCli,
    args: string[],
    options: Omit<ProcessOptions, 'command' | 'args' | 'env'> & { dockerHost?: string | undefined },
  ): Promise<ProcessResult> {
    if (this.closed) throw shuttingDown();
    const { dockerHost, ...processOptions } = options;
    const running = startProcess({ ...processOptions, command: cli.command, args, env: this.env(dockerHost) });
    this.live.track(running);
    const result = await running.done;
    if (result.spawnError) {
      // The program vanished since it was detected: look again next time.
      this.detection = undefined;
      throw unavailable([cli.label]);
    }
    return result;
  }

  /**
   * Refuses new runs (SHUTTING_DOWN) and ends the live ones: SIGTERM, SIGKILL 2 s later, and their
   * results (`stopped`) at the latest 2 s after that.
   */
  async close(): Promise<void> {
    this.closed = true;
    await this.live.close();
  }
}

function shuttingDown(): LucidError {
  return new LucidError('SHUTTING_DOWN', 'the manager is shutting down: no compose run starts any more');
}

function unavailable(tried: string[]): LucidError {
  return new LucidError('COMPOSE_UNAVAILABLE', `no compose CLI found (tried: ${tried.join(', ')})`, { tried });
}
