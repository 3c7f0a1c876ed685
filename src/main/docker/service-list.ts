import { parseAnswer } from './answers.js';
import type { DockerGateway } from './gateway.js';
import { swarmCall } from './swarm-calls.js';
import { rawServiceListSchema, type RawService } from './swarm-answers.js';

/** Docker's services with their task counts: only the list call with `status=true` fills `ServiceStatus`. */
export async function listServices(gateway: DockerGateway, operation: string, filters?: Record<string, string[]>): Promise<RawService[]> {
  const raw = await swarmCall(gateway, { operation, method: 'GET', path: '/services', query: { status: true, ...(filters ? { filters } : {}) } });
  return parseAnswer(rawServiceListSchema, raw);
}

/** One service by its exact id, with its task counts, or undefined once it is gone: Docker's id filter matches prefixes. */
export async function serviceWithStatus(gateway: DockerGateway, operation: string, id: string): Promise<RawService | undefined> {
  return (await listServices(gateway, operation, { id: [id] })).find((service) => service.ID === id);
}
