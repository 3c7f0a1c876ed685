import {
  operationNames,
  type OperationInput,
  type OperationName,
  type OperationOutput,
} from '../shared/contract/index.js';
import type { ErrorBody, ErrorCode } from '../shared/errors.js';
import { AUTH_SET_TOKEN_CHANNEL, ipcChannel, type IpcEnvelope } from '../shared/ipc.js';

export interface IpcRendererLike {
  invoke(channel: string, ...args: unknown[]): Promise<unknown>;
}

type Namespace<N extends string> = N extends `${infer G}.${string}` ? G : never;
type Method<N extends OperationName> = {} extends OperationInput<N>
  ? (input?: OperationInput<N>) => Promise<OperationOutput<N>>
  : (input: OperationInput<N>) => Promise<OperationOutput<N>>;

export type LucidDockerApi = {
  [G in Namespace<OperationName>]: {
    [N in OperationName as N extends `${G}.${infer F}` ? F : never]: Method<N>;
  };
} & {
  auth: {
    /** Verifies the JWT in the main process; later calls from this window act as its subject. */
    setToken(token: string): Promise<{ sub: string; role: string; expiresAt: number | null }>;
  };
};

/**
 * The error a call rejects with. contextBridge copies only the message of an error into the
 * page's world, so the code also leads the message: `[CONTAINER_NOT_FOUND] container not found`.
 */
export class LucidDockerError extends Error {
  readonly code: ErrorCode;
  readonly details: unknown;

  constructor(body: ErrorBody) {
    super(`[${body.code}] ${body.message}`);
    this.name = 'LucidDockerError';
    this.code = body.code;
    this.details = body.details;
  }
}

async function unwrap<T>(pending: Promise<unknown>): Promise<T> {
  const envelope = (await pending) as IpcEnvelope<T>;
  if (envelope.ok) return envelope.data;
  throw new LucidDockerError(envelope.error);
}

/** One function per contract operation, grouped by the name before the dot; never ipcRenderer itself. */
export function createLucidDockerApi(ipcRenderer: IpcRendererLike): LucidDockerApi {
  const api: Record<string, Record<string, (input?: unknown) => Promise<unknown>>> = {};
  for (const name of operationNames) {
    const [group, method] = name.split('.') as [string, string];
    api[group] ??= {};
    api[group][method] = (input?: unknown) => unwrap(ipcRenderer.invoke(ipcChannel(name), input ?? {}));
  }
  api['auth'] = { setToken: (token?: unknown) => unwrap(ipcRenderer.invoke(AUTH_SET_TOKEN_CHANNEL, token)) };
  return api as unknown as LucidDockerApi;
}
