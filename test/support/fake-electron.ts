import { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import type { IpcInvokeEventLike, IpcMainLike, WebContentsLike } from '../../src/main/ipc/types.js';

/**
 * An in-process stand-in for Electron's IPC, faithful where it matters to the code under test:
 * one handler per channel, arguments and results structured-cloned, only the message of a
 * thrown error reaches the renderer, and contextBridge passes errors on by message alone.
 */
type Listener = (event: IpcInvokeEventLike, ...args: unknown[]) => unknown;

export class FakeIpcMain implements IpcMainLike {
  readonly handlers = new Map<string, Listener>();

  handle(channel: string, listener: Listener): void {
    if (this.handlers.has(channel)) {
      throw new Error(`Attempted to register a second handler for '${channel}'`);
    }
    this.handlers.set(channel, listener);
  }

  removeHandler(channel: string): void {
    this.handlers.delete(channel);
  }
}

let nextWebContentsId = 1;

export class FakeWebContents extends EventEmitter implements WebContentsLike {
  readonly id = nextWebContentsId++;
  private destroyed = false;
  readonly renderer = new EventEmitter();
  /** Messages sent while the page is stalled: what would pile up in Electron's pipe. */
  readonly held: Array<[string, unknown[]]> = [];
  private stalled = false;

  send(channel: string, ...args: unknown[]): void {
    if (this.destroyed) throw new Error('Object has been destroyed');
    const copies = args.map((a) => structuredClone(a));
    if (this.stalled) this.held.push([channel, copies]);
    else this.renderer.emit(channel, { sender: this }, ...copies);
  }

  /** Imitates a page whose main thread is busy: nothing it is sent gets handled until `resume()`. */
  stall(): void {
    this.stalled = true;
  }

  resume(): void {
    this.stalled = false;
    for (const [channel, args] of this.held.splice(0)) this.renderer.emit(channel, { sender: this }, ...args);
  }

  isDestroyed(): boolean {
    return this.destroyed;
  }

  destroy(): void {
    this.destroyed = true;
    this.emit('destroyed');
  }

  /** A reload or a main-frame navigation: Electron's arguments are (event, url, httpResponseCode, httpStatusText). */
  reload(url = 'file:///app/index.html'): void {
    this.emit('did-navigate', {}, url, -1, '');
  }

  /** Electron's arguments are (event, details). */
  crash(): void {
    this.emit('render-process-gone', {}, { reason: 'crashed', exitCode: 139 });
  }
}

export class FakeIpcRenderer {
  constructor(
    private readonly ipcMain: FakeIpcMain,
    readonly webContents: FakeWebContents,
    /** The frame's URL; null imitates a frame that navigated away. */
    public frameUrl: string | null,
  ) {}

  async invoke(channel: string, ...args: unknown[]): Promise<unknown> {
    const handler = this.ipcMain.handlers.get(channel);
    if (!handler) throw new Error(`Error invoking remote method '${channel}': Error: No handler registered for '${channel}'`);
    const event = {
      sender: this.webContents,
      senderFrame: this.frameUrl === null ? null : { url: this.frameUrl },
    };
    try {
      const result = await handler(event, ...args.map((a) => structuredClone(a)));
      return structuredClone(result);
    } catch (err) {
      throw new Error(`Error invoking remote method '${channel}': ${String(err)}`);
    }
  }

  on(channel: string, listener: (...args: unknown[]) => void): this {
    this.webContents.renderer.on(channel, listener);
    return this;
  }

  removeListener(channel: string, listener: (...args: unknown[]) => void): this {
    this.webContents.renderer.removeListener(channel, listener);
    return this;
  }
}

/** Copies values across "worlds" the way contextBridge does for what this API passes. */
function bridge(value: unknown): unknown {
  if (typeof value === 'function') {
    return (...args: unknown[]) => {
      const result = (value as (...a: unknown[]) => unknown)(...args.map(bridge));
      if (result instanceof Promise) {
        return result.then(
          (v) => bridge(v),
          (err: unknown) => {
            throw new Error(err instanceof Error ? err.message : String(err));
          },
        );
      }
      return bridge(result);
    };
  }
  // Errors cross as copies that keep only the message, as Electron documents.
  if (value instanceof Error) return new Error(value.message);
  if (Array.isArray(value)) return value.map(bridge);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, bridge(v)]));
  }
  return value;
}

export class FakeContextBridge {
  readonly mainWorld: Record<string, unknown> = {};

  exposeInMainWorld(key: string, api: unknown): void {
    if (key in this.mainWorld) throw new Error(`Cannot bind an API on top of an existing property on the window object`);
    this.mainWorld[key] = bridge(api);
  }
}

export const PRELOAD_BUNDLE = new URL('../../dist/preload/lucid-docker-preload.cjs', import.meta.url);

/**
 * Runs the real preload bundle with a `require` that knows only `electron`, as a sandboxed
 * preload's does; returns what it exposed on the page's window.
 */
export function loadPreload(ipcRenderer: FakeIpcRenderer): Record<string, any> {
  const contextBridge = new FakeContextBridge();
  const source = readFileSync(PRELOAD_BUNDLE, 'utf8');
  const module = { exports: {} };
  const sandboxRequire = (id: string) => {
    if (id === 'electron') return { contextBridge, ipcRenderer };
    throw new Error(`module not found: ${id}`);
  };
  new Function('require', 'module', 'exports', source)(sandboxRequire, module, module.exports);
  return contextBridge.mainWorld;
}
