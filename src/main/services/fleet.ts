import type { ContainerSummary, HostReport } from '../../shared/schemas/containers.js';
import type { OperationContext } from '../model/context.js';
import type { ContainerService } from './containers.js';

/** What a caller wants to do on a host: each host's `access` lists the roles allowed either. */
export type HostAccessKind = 'read' | 'control';

/** Containers of several hosts at once, with the hosts whose containers are not known now. */
export interface FleetList {
  containers: ContainerSummary[];
  /** Every host covered, with its state. */
  hosts: HostReport[];
  /** Hosts covered whose containers could not be listed (down, connecting, failing). */
  unreachable: ReadonlySet<string>;
}

/**
 * The hosts as services that span them (groups, compose) see them. Implemented above the
 * services, by the host registry, which also owns the access rules of each host.
 */
export interface Fleet {
  /** The host operations act on when they name none. */
  defaultHost(): string;
  /** One host's containers; HOST_NOT_FOUND for a name that is not configured. */
  on(host: string): ContainerService;
  /**
   * Lists `hosts` (every configured one when left out) the caller may read; a host that fails is
   * reported, not thrown. `fresh`: straight from each engine rather than its snapshot, for those
   * who act on the answer (a control decision must not rest on a snapshot that may lag a change
   * made behind the manager's back).
   */
  list(ctx: OperationContext, hosts?: readonly string[], options?: { fresh?: boolean }): Promise<FleetList>;
  /** Throws FORBIDDEN (or HOST_NOT_FOUND) unless the caller may act on `host` this way. */
  requireAccess(ctx: OperationContext, host: string, kind: HostAccessKind): void;
}
