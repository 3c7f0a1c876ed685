'use strict';
// A minimal host app, so that the packaged build opens a working window: the manager on IPC, one
// sandboxed window with the preload bundle, bound to a local identity. The Lucid GUI replaces
// this file with its own main, binding the identity its sign-in established.
const path = require('node:path');
const { app, BrowserWindow } = require('electron');
const { attachLucidDockerManager } = require('../dist/electron/lucid-docker-main.cjs');

const ROLES = ['user', 'developer', 'admin'];

/** The desktop user who started the app; least privilege unless LUCID_GUI_ROLE says otherwise. */
function localIdentity(env) {
  const role = env.LUCID_GUI_ROLE || 'user';
  if (!ROLES.includes(role)) throw new Error(`LUCID_GUI_ROLE must be one of ${ROLES.join(', ')}`);
  return { sub: env.USER || 'local', role };
}

async function start() {
  const identity = localIdentity(process.env);
  const attached = await attachLucidDockerManager({ allowedOrigins: ['file://'] });
  const window = new BrowserWindow({
    width: 1280,
    height: 800,
    webPreferences: {
      preload: path.join(__dirname, '../dist/preload/lucid-docker-preload.cjs'),
      sandbox: true,
      contextIsolation: true,
      nodeIntegration: false,
    },
  });
  attached.bindIdentity(window.webContents, identity);
  app.on('window-all-closed', () => app.quit());
  // Quit only once the manager has closed (its streams ended, its audit trail written); a second
  // quit while it closes waits for the same close.
  let state = 'open';
  app.on('will-quit', (event) => {
    if (state === 'closed') return;
    event.preventDefault();
    if (state === 'closing') return;
    state = 'closing';
    attached.close().then(() => {
      state = 'closed';
      app.quit();
    });
  });
  // The dashboard, as the headless server serves it; here it talks to the preload, not to REST.
  await window.loadFile(path.join(__dirname, '../dist/renderer/index.html'));
  return { attached, window };
}

module.exports = { ready: app.whenReady().then(start) };
