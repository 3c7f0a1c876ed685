import { watch, type FSWatcher } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { isLucidError, LucidError } from '../../shared/errors.js';
import type { HostsConfig } from './host-spec.js';

/** What a reload found: new hosts, the same hosts, or a file that cannot be used (the hosts in force stay). */
export type HostsReload =
  | { state: 'changed'; config: HostsConfig }
  | { state: 'unchanged' }
  | { state: 'invalid'; error: LucidError };

export interface HostsWatcherOptions {
  /** Quiet time after the last change in the folder before the file is read again. */
  debounceMs?: number;
}

/**
 * Keeps a hosts file's hosts in force while the file changes. The folder is watched, not the
 * file: editors and config tools replace a file by renaming another over it (a Kubernetes config
 * map swaps a symlink beside it), which ends a watch on the file itself. A burst of events is one
 * reload after `debounceMs` of quiet. A bad edit is reported and the last good hosts stay; a
 * problem is reported once until the file changes again or `reload()` asks. No signal handlers
 * here: the process owner calls `reload()` on SIGHUP.
 */
export class HostsConfigWatcher {
  readonly file: string;
  readonly #load: (file: string) => HostsConfig;
  readonly #debounceMs: number;
  #config: HostsConfig;
  #fingerprint: string;
  #reported: string | undefined;
  #watcher: FSWatcher | undefined;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;
  readonly #changeListeners = new Set<(config: HostsConfig) => void>();
  readonly #errorListeners = new Set<(error: LucidError) => void>();

  /** Loads the file once (a problem throws, as at any start) and starts watching. */
  constructor(file: string, load: (file: string) => HostsConfig, options: HostsWatcherOptions = {}) {
    this.file = resolve(file);
    this.#load = load;
    this.#debounceMs = options.debounceMs ?? 200;
    this.#config = load(this.file);
    this.#fingerprint = JSON.stringify(this.#config);
    this.#watch();
  }

  /** The hosts in force: the last file that loaded. */
  current(): HostsConfig {
    return this.#config;
  }

  /** Called with the new hosts each time the file changes them. Returns the unsubscribe. */
  onChange(listener: (config: HostsConfig) => void): () => void {
    this.#changeListeners.add(listener);
    return () => this.#changeListeners.delete(listener);
  }

  /** Called with the problem (file, path inside it, what) when the file cannot be used; the hosts in force stay. */
  onError(listener: (error: LucidError) => void): () => void {
    this.#errorListeners.add(listener);
    return () => this.#errorListeners.delete(listener);
  }

  /** Reads the file now (SIGHUP), reports the outcome to the listeners and returns it. */
  reload(): HostsReload {
    if (!this.#closed && this.#watcher === undefined) this.#watch();
    return this.#apply(true);
  }

  close(): void {
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#watcher?.close();
    this.#watcher = undefined;
    this.#changeListeners.clear();
    this.#errorListeners.clear();
  }

  #watch(): void {
    try {
      this.#watcher = watch(dirname(this.file), { persistent: false }, () => this.#schedule());
      this.#watcher.on('error', (err) => this.#lostWatch(err));
    } catch (err) {
      this.#lostWatch(err);
    }
  }

  #lostWatch(err: unknown): void {
    this.#watcher?.close();
    this.#watcher = undefined;
    if (this.#closed) return;
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    this.#emitError(new LucidError('VALIDATION_FAILED', `${this.file}: cannot watch its folder (${code}); changes apply on SIGHUP`));
  }

  #schedule(): void {
    if (this.#closed) return;
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => this.#apply(false), this.#debounceMs);
    this.#timer.unref();
  }

  #apply(asked: boolean): HostsReload {
    if (this.#closed) return { state: 'unchanged' };
    let config: HostsConfig;
    try {
      config = this.#load(this.file);
    } catch (err) {
      const error = isLucidError(err) ? err : new LucidError('VALIDATION_FAILED', `${this.file}: ${err instanceof Error ? err.message : String(err)}`);
      if (asked || this.#reported !== error.message) this.#emitError(error);
      return { state: 'invalid', error };
    }
    this.#reported = undefined;
    const fingerprint = JSON.stringify(config);
    if (fingerprint === this.#fingerprint) return { state: 'unchanged' };
    this.#config = config;
    this.#fingerprint = fingerprint;
    for (const listener of [...this.#changeListeners]) listener(config);
    return { state: 'changed', config };
  }

  #emitError(error: LucidError): void {
    this.#reported = error.message;
    for (const listener of [...this.#errorListeners]) listener(error);
  }
}
