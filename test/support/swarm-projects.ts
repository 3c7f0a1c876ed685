import { join } from 'node:path';
import Docker from 'dockerode';
import { TEST_IMAGE } from './engine.js';
import { writeFile } from './compose.js';
import type { TestSwarm } from './swarm.js';

/** A stack's services: replicas, and a command (sleep by default). */
export type StackSpec = Record<string, { replicas?: number; command?: string[]; constraints?: string[] }>;

/** A compose file for `docker stack deploy`: busybox services that stop at once (SIGKILL). */
export function stackFile(services: StackSpec): string {
  const lines = ['version: "3.8"', 'services:'];
  for (const [name, spec] of Object.entries(services)) {
    lines.push(
      `  ${name}:`,
      `    image: ${TEST_IMAGE}`,
      `    command: ${JSON.stringify(spec.command ?? ['sleep', '3600'])}`,
      '    stop_signal: SIGKILL',
      '    deploy:',
      `      replicas: ${spec.replicas ?? 1}`,
      ...(spec.constraints ? ['      placement:', `        constraints: ${JSON.stringify(spec.constraints)}`] : []),
    );
  }
  return `${lines.join('\n')}\n`;
}

export function writeStack(root: string, project: string, services: StackSpec): string {
  writeFile(join(root, project, 'docker-compose.yml'), stackFile(services));
  return `${project}/docker-compose.yml`;
}

/** The manager's engine, asked directly: what the tests assert on. */
export function managerDocker(swarm: TestSwarm): Docker {
  return swarm.manager.engine.docker;
}

/** Running tasks of a service, by node id. */
export async function runningTasks(swarm: TestSwarm, service: string): Promise<{ id: string; node: string }[]> {
  const tasks = await managerDocker(swarm).listTasks({ filters: { service: [service], 'desired-state': ['running'] } });
  return tasks
    .filter((t: any) => t.Status?.State === 'running')
    .map((t: any) => ({ id: t.ID as string, node: t.NodeID as string }));
}

export async function serviceSpec(swarm: TestSwarm, service: string): Promise<any> {
  return (await managerDocker(swarm).getService(service).inspect()) as any;
}

export async function replicasOf(swarm: TestSwarm, service: string): Promise<number> {
  return (await serviceSpec(swarm, service)).Spec.Mode.Replicated.Replicas;
}

export async function availabilityOf(swarm: TestSwarm, nodeId: string): Promise<string> {
  return ((await managerDocker(swarm).getNode(nodeId).inspect()) as any).Spec.Availability;
}

export async function nodeIdOf(swarm: TestSwarm, hostname: string): Promise<string> {
  const nodes = await managerDocker(swarm).listNodes();
  const node = nodes.find((n: any) => n.Description?.Hostname === hostname) as any;
  if (!node) throw new Error(`no node ${hostname}`);
  return node.ID;
}

/** Services of a stack on the manager. */
export async function stackServices(swarm: TestSwarm, stack: string): Promise<string[]> {
  const services = await managerDocker(swarm).listServices({ filters: { label: [`com.docker.stack.namespace=${stack}`] } });
  return services.map((s: any) => s.Spec.Name as string).sort();
}

/** Containers of a stack on every node (the stack label is on each task's container). */
export async function stackContainers(swarm: TestSwarm, stack: string): Promise<number> {
  const counts = await Promise.all(
    swarm.nodes.map(async (node) =>
      (await node.engine.docker.listContainers({ all: true, filters: { label: [`com.docker.stack.namespace=${stack}`] } })).length,
    ),
  );
  return counts.reduce((a, b) => a + b, 0);
}
