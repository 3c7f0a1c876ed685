/** Library entry for plain Node (no Electron import): the headless server and the building blocks. */
export { loadConfig, envSchema, type Config } from './config/env.js';
export { createManager, type Manager } from './create-manager.js';
export { registerIpc, type IpcRegistration, type RegisterIpcOptions } from './ipc/register.js';
export type { IpcMainLike, WebContentsLike } from './ipc/types.js';
export { createHttpApp } from './http/app.js';
export { startServer, type RunningServer } from './server.js';
export type { Identity } from './model/context.js';
export { operations, operationNames } from '../shared/contract/index.js';
export { LucidError, ERROR_CODES, type ErrorCode } from '../shared/errors.js';
