import { contextBridge, ipcRenderer } from 'electron';
import { createLucidDockerApi } from './api.js';

/** Preload entry, bundled into one CommonJS file: a sandboxed preload can require only `electron`. */
contextBridge.exposeInMainWorld('lucidDocker', createLucidDockerApi(ipcRenderer));
