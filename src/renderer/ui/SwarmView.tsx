import { useEffect, useMemo, useState } from 'preact/hooks';
import type { ComposeProject } from '../../shared/schemas/compose.js';
import { hostsWithRole, type Hosts } from '../state/hosts.js';
import { useLiveSwarm } from '../state/live-swarm.js';
import { sortedNodes, sortedServices, stacksOf } from '../state/swarm-lists.js';
import { useDashboard } from './context.js';
import { SwarmNodes } from './SwarmNodes.js';
import { SwarmServices } from './SwarmServices.js';
import { SwarmStacks } from './SwarmStacks.js';

/**
 * The swarm of a host whose engine is a manager: nodes, services and stacks, live. Whoever changes
 * the swarm (this page, the CLI, another manager) the rows follow the manager's swarm events.
 */
export function SwarmView({ hosts }: { hosts: Hosts }) {
  const ctx = useDashboard();
  // A locked manager answers no cluster operation: only active managers are offered.
  const managers = [...hosts.values()].filter((h) => h.info?.swarmManager).map((h) => h.name);
  const workers = hostsWithRole(hosts, 'worker');
  const [host, setHost] = useState(managers[0] ?? '');
  const live = useLiveSwarm(ctx.client, host);
  const [projects, setProjects] = useState<ComposeProject[] | undefined>();
  // Only someone who may deploy needs the projects that could be deployed.
  const deploys = ctx.access.has('swarm:control');

  useEffect(() => {
    if (!deploys) return;
    let current = true;
    ctx.client.compose.projects().then(
      (a) => current && setProjects(a.projects),
      () => undefined,
    );
    return () => {
      current = false;
    };
  }, [ctx.client, deploys]);

  const nodes = useMemo(() => sortedNodes(live.lists), [live.lists.nodes]);
  const services = useMemo(() => sortedServices(live.lists), [live.lists.services]);
  const stacks = useMemo(() => stacksOf(live.lists), [live.lists.services, live.lists.stacks]);
  const loaded = live.loaded || undefined;

  return (
    <section aria-labelledby="swarm-title">
      <div class="toolbar">
        <h2 id="swarm-title">Swarm</h2>
        {managers.length > 1 && (
          <label class="filter">
            <span>Manager host</span>
            <select value={host} onChange={(e) => setHost((e.currentTarget as HTMLSelectElement).value)}>
              {managers.map((m) => (
                <option key={m} value={m}>
                  {m}
                </option>
              ))}
            </select>
          </label>
        )}
        {host && (
          <span class="muted" role="status" data-swarm-connection={live.connection}>
            {live.connection === 'live' ? 'Live' : live.connection === 'connecting' ? 'Connecting…' : 'Reconnecting…'}
          </span>
        )}
      </div>
      {live.problem && <p role="alert" class="error">{live.problem}</p>}
      {workers.length > 0 && (
        <p class="muted" data-swarm-workers={workers.join(' ')}>
          {workers.join(', ')} {workers.length === 1 ? 'is a swarm worker' : 'are swarm workers'}: cluster operations need a manager host.
        </p>
      )}
      {!host ? (
        <p class="empty">No host is a swarm manager.</p>
      ) : (
        <>
          <SwarmNodes host={host} nodes={loaded && nodes} />
          <SwarmServices host={host} services={loaded && services} versionOf={(name) => `${live.loads}:${live.lists.touched.get(name) ?? 0}`} />
          <SwarmStacks host={host} stacks={loaded && stacks} projects={projects} />
        </>
      )}
    </section>
  );
}
