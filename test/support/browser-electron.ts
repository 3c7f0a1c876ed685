import { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { WebSocketServer, type WebSocket } from 'ws';
import type { WebContentsLike } from '../../src/main/ipc/types.js';
import type { Role } from '../../src/shared/permissions.js';
import { PRELOAD_BUNDLE } from './fake-electron.js';
import { startIpcHarness, type IpcHarness } from './ipc.js';

/** The built dashboard, loaded as the Electron app loads it: from a file. */
export const PAGE_FILE = fileURLToPath(new URL('../../dist/renderer/index.html', import.meta.url));
export const PAGE_URL = `file://${PAGE_FILE}`;

let nextWindowId = 10_000;

/**
 * One page's side of Electron's IPC in the main process: what `webContents.send` sends goes down
 * the page's WebSocket, structured-cloned as Electron clones it; the socket closing is the window
 * being destroyed.
 */
class BridgedWebContents extends EventEmitter implements WebContentsLike {
  readonly id = nextWindowId++;
  private destroyed = false;

  constructor(private readonly socket: WebSocket) {
    super();
    socket.once('close', () => {
      this.destroyed = true;
      this.emit('destroyed');
    });
  }

  send(channel: string, ...args: unknown[]): void {
    if (this.destroyed) throw new Error('Object has been destroyed');
    this.socket.send(JSON.stringify({ kind: 'send', channel, args: structuredClone(args) }));
  }

  isDestroyed(): boolean {
    return this.destroyed;
  }
}

type Message = { kind: 'invoke'; id: number; channel: string; args: unknown[] };

/**
 * What runs in the page before its own script, in place of Electron's preload world: stand-ins
 * for `ipcRenderer` (over the WebSocket, arguments structured-cloned before they leave, so what
 * Electron cannot clone fails here too) and for `contextBridge` (values copied into the page,
 * functions proxied, an error reduced to its message), then the real preload bundle, run with a
 * `require` that knows only `electron`.
 */
function initScript(wsUrl: string, preload: string): string {
  return `(() => {
  const socket = new WebSocket(${JSON.stringify(wsUrl)});
  const opened = new Promise((resolve, reject) => { socket.onopen = resolve; socket.onerror = reject; });
  const pending = new Map();
  const listeners = new Map();
  let next = 1;
  socket.onmessage = (message) => {
    const msg = JSON.parse(message.data);
    if (msg.kind === 'result') {
      const waiter = pending.get(msg.id);
      pending.delete(msg.id);
      if (msg.ok) waiter.resolve(msg.value); else waiter.reject(new Error(msg.message));
    } else if (msg.kind === 'send') {
      for (const listener of listeners.get(msg.channel) || []) listener({}, ...msg.args);
    }
  };
  const ipcRenderer = {
    invoke(channel, ...args) {
      const cloned = structuredClone(args);
      const id = next++;
      return opened.then(() => new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject });
        socket.send(JSON.stringify({ kind: 'invoke', id, channel, args: cloned }));
      }));
    },
    on(channel, listener) {
      if (!listeners.has(channel)) listeners.set(channel, []);
      listeners.get(channel).push(listener);
      return ipcRenderer;
    },
  };
  const bridge = (value) => {
    if (typeof value === 'function') {
      return (...args) => {
        const result = value(...args.map(bridge));
        if (result instanceof Promise) {
          return result.then(bridge, (err) => { throw new Error(err instanceof Error ? err.message : String(err)); });
        }
        return bridge(result);
      };
    }
    if (value instanceof Error) return new Error(value.message);
    if (Array.isArray(value)) return value.map(bridge);
    if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, bridge(v)]));
    return value;
  };
  const contextBridge = {
    exposeInMainWorld(key, api) {
      if (key in window) throw new Error('Cannot bind an API on top of an existing property on the window object');
      Object.defineProperty(window, key, { value: bridge(api), enumerable: true });
    },
  };
  const module = { exports: {} };
  const require = (id) => {
    if (id === 'electron') return { contextBridge, ipcRenderer };
    throw new Error('module not found: ' + id);
  };
  (function (require, module, exports) {
${preload}
  })(require, module, module.exports);
})();`;
}

export interface ElectronBridge {
  harness: IpcHarness;
  /**
   * Prepares `page` as an Electron window running the real preload; `bind`: the identity the host
   * app binds to the window (as the example app does), or none (the page then signs in with a token).
   */
  prepare(page: Page, bind: Role | null): Promise<void>;
  close(): Promise<void>;
}

/** The real main-side IPC handlers (a manager on the real engine) behind a WebSocket. */
export async function startElectronBridge(env: Record<string, string> = {}): Promise<ElectronBridge> {
  const harness = await startIpcHarness(env);
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve) => server.once('listening', resolve));
  const { port } = server.address() as AddressInfo;
  server.on('connection', (socket, request) => {
    const webContents = new BridgedWebContents(socket);
    const bind = new URL(request.url ?? '/', 'ws://x').searchParams.get('bind');
    if (bind === 'user' || bind === 'developer' || bind === 'admin') {
      harness.registration.bindIdentity(webContents, { sub: `electron-${bind}`, role: bind });
    }
    const frame = { url: PAGE_URL };
    socket.on('message', (data) => {
      const msg = JSON.parse(String(data)) as Message;
      if (msg.kind !== 'invoke') return;
      const reply = (answer: object) => {
        if (!webContents.isDestroyed()) socket.send(JSON.stringify({ kind: 'result', id: msg.id, ...answer }));
      };
      const handler = harness.ipcMain.handlers.get(msg.channel);
      if (!handler) {
        reply({ ok: false, message: `Error invoking remote method '${msg.channel}': Error: No handler registered for '${msg.channel}'` });
        return;
      }
      Promise.resolve()
        .then(() => handler({ sender: webContents, senderFrame: frame }, ...structuredClone(msg.args)))
        .then(
          (value) => reply({ ok: true, value: structuredClone(value) }),
          (err: unknown) => reply({ ok: false, message: `Error invoking remote method '${msg.channel}': ${String(err)}` }),
        );
    });
  });
  const preload = readFileSync(PRELOAD_BUNDLE, 'utf8');
  return {
    harness,
    prepare: async (page, bind) => {
      await page.addInitScript(initScript(`ws://127.0.0.1:${port}/?bind=${bind ?? 'none'}`, preload));
    },
    close: async () => {
      for (const client of server.clients) client.terminate();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await harness.close();
    },
  };
}
