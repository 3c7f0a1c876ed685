import { LucidError } from '../../src/shared/errors.js';
import type { ContainerService } from '../../src/main/services/containers.js';
import type { Fleet } from '../../src/main/services/fleet.js';

/** A fleet of one host, as a library caller without a host registry would build it. */
export function singleHostFleet(containers: ContainerService): Fleet {
  const on = (host: string) => {
    if (host !== containers.host) throw new LucidError('HOST_NOT_FOUND', `no host ${host}`);
    return containers;
  };
  return {
    defaultHost: () => containers.host,
    on,
    list: async (_ctx, _hosts, options = {}) => {
      const listed = options.fresh ? await containers.list({ all: true }) : (await containers.listAnswer({ all: true })).containers;
      return { containers: listed, hosts: [{ name: containers.host, state: 'up' }], unreachable: new Set() };
    },
    requireAccess: (_ctx, host) => void on(host),
  };
}
