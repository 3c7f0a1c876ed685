import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { existsSync, readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createRequire, isBuiltin } from 'node:module';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import { parse } from 'yaml';
import { operationNames } from '../../src/shared/contract/index.js';
import { ipcChannel } from '../../src/shared/ipc.js';
import { mintToken } from '../../src/main/auth/tokens.js';
import { daemonConnections, quietConnections, settleConnections } from '../support/daemon-connections.js';
import { FakeIpcMain, FakeIpcRenderer, FakeWebContents, loadPreload } from '../support/fake-electron.js';
import { createTestContainer, removeRunContainers, requireEngine, sleeper } from '../support/engine.js';
import { eventually } from '../support/eventually.js';
import { APP_URL } from '../support/ipc.js';
import { TEST_SECRET } from '../support/server.js';
import { tempAuditPath } from '../support/temp.js';

const root = new URL('../../', import.meta.url);
const config: Record<string, any> = parse(readFileSync(new URL('electron-builder.yml', root), 'utf8'));
const require = createRequire(import.meta.url);

describe('electron-builder.yml', () => {
  it("validates against electron-builder's own JSON schema", () => {
    const schema = JSON.parse(readFileSync(require.resolve('app-builder-lib/scheme.json'), 'utf8'));
    const ajv = new Ajv({ strict: false, allErrors: true });
    const validate = ajv.compile(schema);
    assert.ok(validate(config), ajv.errorsText(validate.errors));
    assert.equal(validate({ ...config, asar: 'yes' }), false, 'the schema rejects a wrong type');
    assert.equal(validate({ ...config, linux: { target: [{ target: 'AppImage', arch: ['sparc'] }] } }), false);
  });

  it('packs asar, AppImage and deb for x64 and arm64', () => {
    assert.equal(config.asar, true);
    const targets = Object.fromEntries(config.linux.target.map((t: { target: string; arch: string[] }) => [t.target, t.arch]));
    assert.deepEqual(targets, { AppImage: ['x64', 'arm64'], deb: ['x64', 'arm64'] });
  });

  it('points at the bundles the build produces and keeps sources and tests out', () => {
    const main = config.extraMetadata.main as string;
    assert.ok(existsSync(new URL(main, root)), `${main} is built`);
    assert.ok(existsSync(new URL('dist/preload/lucid-docker-preload.cjs', root)));
    const files = config.files as string[];
    for (const glob of ['electron/**/*', 'dist/electron/**/*', 'dist/preload/**/*', 'config/services.yml']) assert.ok(files.includes(glob), glob);
    for (const glob of ['!src/**/*', '!test/**/*', '!**/*.map', '!electron/node_modules/**/*']) assert.ok(files.includes(glob), glob);
  });

  it("leaves Electron to the example app's own package, out of the root's install", () => {
    const readJson = (path: string) => JSON.parse(readFileSync(new URL(path, root), 'utf8'));
    const [rootPackage, rootLock] = [readJson('package.json'), readJson('package-lock.json')];
    const [example, exampleLock] = [readJson('electron/package.json'), readJson('electron/package-lock.json')];
    assert.equal(rootLock.packages['node_modules/electron'], undefined, "the root's npm ci installs no Electron");
    assert.equal(rootPackage.scripts['electron:install'], 'npm --prefix electron ci');
    assert.ok(rootPackage.scripts['electron:example'].includes('electron/node_modules/.bin/electron'));
    assert.deepEqual([example.private, example.allowScripts], [true, { electron: true }]);
    assert.ok(exampleLock.packages['node_modules/electron'], 'the example pins its Electron');
  });
});

/**
 * Loads the main bundle as Electron would, with a `require` that supplies the stand-in
 * `electron` and Node's built-ins only: anything else the bundle needed would be missing from
 * the packaged app, whose `files` hold no node_modules.
 */
function loadMainBundle(electron: unknown): { attachLucidDockerManager: Function } {
  const file = fileURLToPath(new URL('dist/electron/lucid-docker-main.cjs', root));
  const source = readFileSync(file, 'utf8');
  const module = { exports: {} as Record<string, unknown> };
  const asked: string[] = [];
  const sandboxRequire = (id: string) => {
    asked.push(id);
    if (id === 'electron') return electron;
    if (isBuiltin(id)) return require(id);
    // ssh2's optional native helpers: it catches this and falls back to JavaScript.
    if (id.endsWith('.node')) throw new Error(`Cannot find module '${id}'`);
    throw new Error(`the main bundle requires "${id}", which the packaged app does not contain`);
  };
  new Function('require', 'module', 'exports', '__filename', '__dirname', source)(
    sandboxRequire,
    module,
    module.exports,
    file,
    fileURLToPath(new URL('dist/electron/', root)),
  );
  return module.exports as { attachLucidDockerManager: Function };
}

/**
 * A suite that drives the engine through a bundle: the engine is required first; afterwards the
 * manager it attached is closed, and its containers and user data are removed.
 */
function withEngineAndCleanUp(state: () => { attached: { close(): Promise<void> } | undefined; userData: string | undefined }): void {
  before(async () => {
    await requireEngine();
  });
  after(async () => {
    const { attached, userData } = state();
    await attached?.close();
    await removeRunContainers();
    if (userData) await rm(userData, { recursive: true, force: true });
  });
}

describe('the Electron main bundle', () => {
  const ipcMain = new FakeIpcMain();
  let userData: string | undefined;
  let attached: { close(): Promise<void>; bindIdentity(w: FakeWebContents, id: { sub: string; role: string }): void } | undefined;

  withEngineAndCleanUp(() => ({ attached, userData }));

  it('attaches the manager to IPC with nothing but electron and built-ins, and serves the preload', async () => {
    userData = await mkdtemp(join(tmpdir(), 'lucid-electron-userdata-'));
    const { attachLucidDockerManager } = loadMainBundle({ ipcMain, app: { getPath: () => userData } });
    attached = await attachLucidDockerManager({
      allowedOrigins: ['file://'],
      env: { JWT_SECRET_KEY: TEST_SECRET, LOG_LEVEL: 'error' },
    });
    for (const name of operationNames) assert.ok(ipcMain.handlers.has(ipcChannel(name)), `${name} has its channel`);

    const container = await sleeper();
    const webContents = new FakeWebContents();
    attached!.bindIdentity(webContents, { sub: 'bundle-test', role: 'admin' });
    const api = loadPreload(new FakeIpcRenderer(ipcMain, webContents, APP_URL))['lucidDocker'];
    const { containers } = await api.containers.list({ all: true });
    assert.ok(containers.some((c: { id: string }) => c.id === container.id), 'the bundled manager sees the engine');
  });
});

/** The parts of Electron the example host uses, recording what it does with them. */
class FakeBrowserWindow {
  static opened: FakeBrowserWindow[] = [];
  readonly webContents = new FakeWebContents();
  loaded: string | undefined;
  constructor(readonly options: { webPreferences: Record<string, unknown> }) {
    FakeBrowserWindow.opened.push(this);
  }
  async loadFile(file: string): Promise<void> {
    this.loaded = file;
  }
}

describe('the example host app (extraMetadata.main)', () => {
  const ipcMain = new FakeIpcMain();
  let userData: string | undefined;
  let attached: { close(): Promise<void> } | undefined;

  withEngineAndCleanUp(() => ({ attached, userData }));

  it('needs only electron and the bundles, opens a sandboxed window with the preload and lists containers in it', async () => {
    userData = await mkdtemp(join(tmpdir(), 'lucid-electron-host-'));
    const appEvents = new EventEmitter();
    let quits = 0;
    const electron = {
      ipcMain,
      app: {
        getPath: () => userData,
        whenReady: async () => undefined,
        on: (name: string, listener: (...args: unknown[]) => void) => appEvents.on(name, listener),
        quit: () => void quits++,
      },
      BrowserWindow: FakeBrowserWindow,
    };
    const { attachLucidDockerManager } = loadMainBundle(electron);
    const mainFile = fileURLToPath(new URL(config.extraMetadata.main, root));
    const asked: string[] = [];
    const host = { exports: {} as { ready?: Promise<{ window: FakeBrowserWindow }> } };
    const hostRequire = (id: string) => {
      asked.push(id);
      if (id === 'electron') return electron;
      if (id === '../dist/electron/lucid-docker-main.cjs') {
        // The test's key and quiet logs; the host passes everything else as it would.
        return {
          attachLucidDockerManager: async (options: object) => {
            attached = await attachLucidDockerManager({ ...options, env: { JWT_SECRET_KEY: TEST_SECRET, LOG_LEVEL: 'error' } });
            return attached;
          },
        };
      }
      if (isBuiltin(id)) return require(id);
      throw new Error(`the example host requires "${id}", which the packaged app does not contain`);
    };
    new Function('require', 'module', 'exports', '__filename', '__dirname', readFileSync(mainFile, 'utf8'))(
      hostRequire,
      host,
      host.exports,
      mainFile,
      join(mainFile, '..'),
    );
    const { window } = await host.exports.ready!;
    assert.deepEqual(asked.filter((id) => !isBuiltin(id)), ['electron', '../dist/electron/lucid-docker-main.cjs']);
    for (const name of operationNames) assert.ok(ipcMain.handlers.has(ipcChannel(name)), `${name} has its channel`);

    const prefs = window.options.webPreferences;
    assert.deepEqual([prefs['sandbox'], prefs['contextIsolation'], prefs['nodeIntegration']], [true, true, false]);
    assert.ok(existsSync(prefs['preload'] as string), 'the preload bundle it names is built');
    assert.ok(window.loaded && existsSync(window.loaded), 'the page it loads is shipped');
    const page = readFileSync(window.loaded, 'utf8');
    const script = /<script src="([^"]+)"><\/script>/.exec(page)?.[1];
    assert.ok(script && existsSync(join(window.loaded, '..', script)), 'the page script is shipped');

    const container = await sleeper();
    const api = loadPreload(new FakeIpcRenderer(ipcMain, window.webContents, `file://${window.loaded}`))['lucidDocker'];
    const { containers } = await api.containers.list({ all: true });
    assert.ok(containers.some((c: { id: string }) => c.id === container.id), 'the window is bound to an identity that may list');

    // Quitting waits for close(): the first will-quit is held, a second one during the close too.
    const willQuit = () => {
      let prevented = false;
      appEvents.emit('will-quit', { preventDefault: () => (prevented = true) });
      return prevented;
    };
    assert.deepEqual([willQuit(), willQuit()], [true, true], 'both quits wait while the manager closes');
    await eventually(() => (quits > 0 ? true : undefined), 'the host quits once the manager has closed', 10_000);
    assert.equal(quits, 1, 'one quit, after one close');
    assert.equal(ipcMain.handlers.size, 0, 'the manager closed before the quit');
    assert.equal(willQuit(), false, 'the quit that follows the close proceeds');
  });
});

/** Whether any descriptor of this process still refers to a file in `dir`. */
function holdsOpen(dir: string): boolean {
  return readdirSync('/proc/self/fd').some((fd) => {
    try {
      return readlinkSync(`/proc/self/fd/${fd}`).startsWith(`${dir}/`);
    } catch {
      return false;
    }
  });
}

describe('closing the Electron adapter', () => {
  const ipcMain = new FakeIpcMain();
  let userData: string | undefined;
  let attached: { close(): Promise<void> } | undefined;

  withEngineAndCleanUp(() => ({ attached, userData }));

  it('resolves once the streams have ended and the audit trail is written and closed, and never rejects', async () => {
    const container = await createTestContainer({ cmd: ['sh', '-c', 'while :; do echo tick; sleep 0.2; done'] });
    const baseline = await quietConnections();
    userData = await mkdtemp(join(tmpdir(), 'lucid-electron-close-'));
    const auditPath = tempAuditPath();
    const { attachLucidDockerManager } = loadMainBundle({ ipcMain, app: { getPath: () => userData } });
    attached = await attachLucidDockerManager({
      allowedOrigins: ['file://'],
      env: { JWT_SECRET_KEY: TEST_SECRET, LOG_LEVEL: 'error', AUDIT_LOG_PATH: auditPath },
    });
    const api = loadPreload(new FakeIpcRenderer(ipcMain, new FakeWebContents(), APP_URL))['lucidDocker'];
    const token = await mintToken({ secret: TEST_SECRET, sub: 'close-test', role: 'user', ttlSeconds: 600, audience: 'gui-docker-manager' });
    await api.auth.setToken(token);
    // Folded into the first sign-in's window: only closing writes its `suppressed` line.
    await api.auth.setToken(token);
    let lines = 0;
    let end: { error: unknown } | undefined;
    api.containers.followLogs({ id: container.id, tail: 0 }, () => lines++, (error: unknown) => (end = { error }));
    await eventually(() => (lines > 0 ? true : undefined), 'log lines flow', 10_000);
    assert.ok((await daemonConnections()) > baseline, 'the follow and the snapshot hold daemon connections');
    assert.ok(holdsOpen(dirname(auditPath)), 'the trail is open while the manager runs');

    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const closing = attached!.close();
      assert.equal(attached!.close(), closing, 'a second call returns the same promise');
      assert.equal(await closing, undefined);
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
    assert.deepEqual(unhandled, []);

    assert.equal(ipcMain.handlers.size, 0, 'every IPC handler is removed');
    await eventually(() => end, 'the page is told that the follow ended', 5000);
    assert.equal(holdsOpen(dirname(auditPath)), false, 'the trail files are closed');
    const entries = readFileSync(auditPath, 'utf8').trimEnd().split('\n').map((line) => JSON.parse(line));
    assert.deepEqual(
      entries.filter((e) => e.operation === 'auth.setToken').map((e) => [e.result, e.sub]),
      [['ok', 'close-test'], ['suppressed', 'close-test']],
      'the sign-in and, flushed on close, the summary of its folded repeat',
    );
    const after = await settleConnections((n) => n <= baseline);
    assert.ok(after <= baseline, `daemon connections back to ${baseline} (now ${after})`);
  });
});
