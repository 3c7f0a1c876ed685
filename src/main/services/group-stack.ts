import { LucidError } from '../../shared/errors.js';
import type { ContainerSummary } from '../../shared/schemas/containers.js';
import type { SwarmService } from '../../shared/schemas/swarm.js';
import type { ComposeRegistry } from '../compose/registry.js';
import type { GroupConfig } from '../config/services-config.js';
import { OperationContext } from '../model/context.js';
import { sleep } from '../system/sleep.js';
import type { MemberActions, MemberState } from './group-execution.js';
import type { GroupMember } from './group-plan.js';
import { declaredServices, type DeclaredService } from './stack-declared.js';
import type { StackService } from './stacks.js';
import type { SwarmCluster } from './swarm.js';

/** The swarm side of the hosts, for groups whose compose project is deployed as a stack. */
export interface StackGroupHosts {
  on(host: string): { swarm: SwarmCluster; stacks: StackService };
  registry: ComposeRegistry;
}

/** Members that joined by the stack's files alone have no config entry, hence no own timeout. */
const DEFAULT_HEALTH_TIMEOUT_SECONDS = 60;
/** A stop waits this much longer than the grace period for the tasks to be gone. */
const STOP_SLACK_MS = 30_000;
const POLL_MS = 500;

/** A stack group's members and how a run acts on them. */
export interface StackSide {
  members: GroupMember[];
  actions: MemberActions;
}

/**
 * A service group whose compose project is a stack on a swarm manager. Its members are the
 * services the project's files declare (`<project>_<name>` in the swarm), in the order the group's
 * members (or else the files' `depends_on`) give. A member starts by scaling back to the replicas
 * its file declares — the whole stack is deployed first when it is not there — and is up when its
 * running replicas reach that number (swarm counts a task as running only once its health check
 * passes); it stops by scaling to 0 and waiting until its tasks are gone.
 */
export async function stackSide(
  group: GroupConfig,
  host: string,
  hosts: StackGroupHosts,
  ctx: OperationContext,
  /** `live`: a status read, answered from the live swarm state when it can be; a run reads Docker. */
  options: { live?: boolean } = {},
): Promise<StackSide> {
  const project = group.compose?.project;
  if (project === undefined) throw new LucidError('VALIDATION_FAILED', `group ${group.name} has no compose project`);
  const { swarm, stacks } = hosts.on(host);
  // NOT_SWARM_MANAGER here, before anything runs, when the group's host is no manager.
  await swarm.nodes();
  const [declared, services] = await Promise.all([declaredServices(hosts.registry, project), swarm.services(project, { fresh: options.live !== true })]);
  const byName = new Map(services.map((service) => [service.name, service]));
  const wanted = new Map(declared.map((service) => [service.name, service]));
  const members = orderedMembers(group, declared).map((service) => ({
    service: service.name,
    host,
    dependsOn: group.members.find((m) => m.name === service.name)?.depends_on ?? service.dependsOn,
    healthTimeoutSeconds: group.members.find((m) => m.name === service.name)?.healthTimeoutSeconds ?? DEFAULT_HEALTH_TIMEOUT_SECONDS,
    container: summaryOf(byName.get(`${project}_${service.name}`) ?? null, `${project}_${service.name}`, group.name, host),
  }));
  // The controls run on the caller's identity, quietly: the group's own progress events are the caller's stream.
  const quiet = new OperationContext(ctx.identity);
  let deploying: Promise<unknown> | undefined;
  const read = async (member: GroupMember): Promise<SwarmService | undefined> =>
    (await swarm.services(project, { fresh: true })).find((s) => s.name === `${project}_${member.service}`);
  const stateOf = (service: SwarmService | undefined): MemberState =>
    service === undefined
      ? { state: 'exited', status: 'not deployed', health: 'none' }
      : {
          state: service.replicas.desired > 0 ? 'running' : 'exited',
          status: `${service.replicas.running}/${service.replicas.desired} replicas running`,
          health: converged(service) ? 'healthy' : 'starting',
        };
  const actions: MemberActions = {
    isSelf: () => false,
    get: async (member) => stateOf(await read(member)),
    start: async (member) => {
      if ((await read(member)) === undefined) {
        deploying ??= stacks.deploy(project, quiet);
        await deploying;
      }
      // The first member's start deploys the whole stack: each member that was not there is started by it.
      const deployed = member.container?.id === '';
      const service = await read(member);
      if (service === undefined) throw new LucidError('SERVICE_NOT_FOUND', `the stack has no service ${project}_${member.service}`);
      const replicas = (wanted.get(member.service) as DeclaredService).replicas;
      const scale = replicas !== null && service.replicas.desired !== replicas;
      if (scale) await swarm.scale(service.id, replicas, quiet);
      return { changed: deployed || scale, after: stateOf(scale ? await read(member) : service) };
    },
    stop: async (member, _id, stopTimeout) => {
      const service = await read(member);
      if (service === undefined) return { changed: false };
      if (service.mode !== 'replicated') {
        throw new LucidError('SERVICE_CONFLICT', `${service.name} is a ${service.mode} service: it cannot be scaled to 0; remove the stack`);
      }
      const scale = service.replicas.desired !== 0;
      if (scale) await swarm.scale(service.id, 0, quiet);
      const deadline = Date.now() + stopTimeout * 1000 + STOP_SLACK_MS;
      for (let now = service; now.replicas.running > 0; ) {
        if (Date.now() > deadline) throw new LucidError('DOCKER_TIMEOUT', `${now.replicas.running} task(s) of ${service.name} still run`);
        await sleep(POLL_MS);
        const again = await read(member);
        if (again === undefined) break;
        now = again;
      }
      return { changed: scale };
    },
  };
  return { members, actions };
}

/** The group's configured members first, in their order, then the other services of the files by name. */
function orderedMembers(group: GroupConfig, declared: readonly DeclaredService[]): DeclaredService[] {
  const configured = group.members.flatMap((m) => declared.find((d) => d.name === m.name) ?? []);
  const rest = declared.filter((d) => !group.members.some((m) => m.name === d.name)).sort((a, b) => a.name.localeCompare(b.name));
  return [...configured, ...rest];
}

function converged(service: SwarmService): boolean {
  return service.replicas.running >= service.replicas.desired && service.update?.state !== 'updating';
}

/**
 * A stack service in the shape the group rules read: running while it wants replicas (starting
 * until they all run), exited when scaled to 0, created when the stack does not have it yet.
 * `id` is the service's id (empty before it is deployed).
 */
function summaryOf(service: SwarmService | null, name: string, group: string, host: string): ContainerSummary {
  const base = { name, labels: {}, ports: [], group, host, startedAt: null };
  if (service === null) return { ...base, id: '', image: '', state: 'created', status: 'not deployed', health: 'none', createdAt: '' };
  const wants = service.replicas.desired > 0;
  return {
    ...base,
    id: service.id,
    image: service.image,
    state: wants ? 'running' : 'exited',
    status: `${service.replicas.running}/${service.replicas.desired} replicas running`,
    health: wants && !converged(service) ? 'starting' : 'none',
    createdAt: service.updatedAt ?? '',
  };
}
