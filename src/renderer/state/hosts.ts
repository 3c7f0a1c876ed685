import type { ClientApi } from '../client/api.js';

/**
 * Hosts as the manager reports them when it manages more than one engine. The page reads them
 * through the client when the contract has the operation, and shows one engine otherwise.
 */
export interface HostInfo {
  name: string;
  url?: string;
  state: string;
  reason?: string;
}

export interface HostEvent {
  type: 'host';
  host: string;
  state: string;
  reason?: string;
}

type HostsApi = { hosts?: { list?: (input?: object) => Promise<{ hosts: HostInfo[] }> } };

export function hostsList(client: ClientApi): ((input?: object) => Promise<{ hosts: HostInfo[] }>) | undefined {
  return (client as unknown as HostsApi).hosts?.list;
}

/** The host a container summary names, once summaries carry one. */
export function hostOf(container: object): string | undefined {
  const host = (container as { host?: unknown }).host;
  return typeof host === 'string' ? host : undefined;
}
