/**
 * What a sandboxed renderer's preload needs to know of the contract, without zod: the operation
 * names (the IPC channels follow from them, see `ipcChannel`) and how each answers. The contract
 * table is checked against it (test/unit/contract-manifest.test.ts), so it cannot drift.
 *
 * - `call`: one answer;
 * - `events`: progress events to an optional callback, then the answer;
 * - `subscription`: events until the caller unsubscribes, then an end.
 */
export type StreamKind = 'call' | 'events' | 'subscription';

export const OPERATION_STREAMS = {
  'containers.list': 'call',
  'containers.get': 'call',
  'containers.start': 'call',
  'containers.stop': 'call',
  'containers.restart': 'call',
  'containers.logs': 'call',
  'containers.followLogs': 'subscription',
  'containers.stats': 'call',
  'containers.watchStats': 'subscription',
  'containers.onEvent': 'subscription',
  'stats.list': 'call',
  'stats.watch': 'subscription',
  'services.list': 'call',
  'services.get': 'call',
  'services.start': 'events',
  'services.stop': 'events',
  'audit.list': 'call',
  'compose.projects': 'call',
  'compose.status': 'call',
  'compose.up': 'events',
  'compose.down': 'events',
  'health.summary': 'call',
  'health.live': 'call',
  'health.ready': 'call',
  'health.details': 'call',
  'metrics.scrape': 'call',
  'hosts.list': 'call',
  'session.get': 'call',
  'swarm.nodes': 'call',
  'swarm.setAvailability': 'call',
  'swarm.onEvent': 'subscription',
  'swarm.services': 'call',
  'swarm.tasks': 'call',
  'swarm.logs': 'call',
  'swarm.followLogs': 'subscription',
  'swarm.scale': 'call',
  'swarm.rollback': 'call',
  'swarm.restart': 'call',
  'stacks.list': 'call',
  'stacks.deploy': 'events',
  'stacks.remove': 'events',
  'stacks.removeByName': 'events',
} as const satisfies Record<string, StreamKind>;

export type ManifestOperationName = keyof typeof OPERATION_STREAMS;
