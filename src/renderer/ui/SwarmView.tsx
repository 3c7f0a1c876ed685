import { useCallback, useEffect, useState } from 'preact/hooks';
import type { ComposeProject } from '../../shared/schemas/compose.js';
import type { SwarmNode, SwarmService, SwarmStack } from '../../shared/schemas/swarm.js';
import { errorOf } from '../client/errors.js';
import type { Hosts } from '../state/hosts.js';
import { useDashboard } from './context.js';
import { SwarmNodes } from './SwarmNodes.js';
import { SwarmServices } from './SwarmServices.js';
import { SwarmStacks } from './SwarmStacks.js';

interface Swarm {
  nodes: SwarmNode[];
  services: SwarmService[];
  stacks: SwarmStack[];
  projects: ComposeProject[] | undefined;
}

/**
 * The swarm of a host whose engine is a manager: nodes, services and stacks. Read when opened,
 * after each change made here, and when a container of a swarm task changes state.
 */
export function SwarmView({ hosts, changes }: { hosts: Hosts; changes: unknown }) {
  const ctx = useDashboard();
  const managers = [...hosts.values()].filter((h) => h.info?.swarmManager).map((h) => h.name);
  const [host, setHost] = useState(managers[0] ?? '');
  const [swarm, setSwarm] = useState<Swarm | undefined>();
  const [problem, setProblem] = useState<string | undefined>();
  const [version, setVersion] = useState(0);
  const reread = useCallback(() => setVersion((v) => v + 1), []);
  // Only someone who may deploy needs the projects that could be deployed.
  const deploys = ctx.access.has('swarm:control');

  useEffect(() => {
    if (!host) return;
    let current = true;
    Promise.all([
      ctx.client.swarm.nodes({ host }),
      ctx.client.swarm.services({ host }),
      ctx.client.stacks.list({ host }),
      deploys ? ctx.client.compose.projects().then((a) => a.projects, () => undefined) : undefined,
    ]).then(
      ([n, s, st, projects]) => {
        if (!current) return;
        const byName = <T extends { name: string }>(list: T[]) => [...list].sort((a, b) => a.name.localeCompare(b.name));
        setSwarm({ nodes: n.nodes, services: byName(s.services), stacks: byName(st.stacks), projects });
        setProblem(undefined);
      },
      (err: unknown) => current && setProblem(`${errorOf(err).code}: ${errorOf(err).message}`),
    );
    return () => {
      current = false;
    };
  }, [ctx.client, host, deploys, changes, version]);

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
        <button type="button" class="quiet" onClick={reread}>
          Read again
        </button>
      </div>
      {problem && <p role="alert" class="error">{problem}</p>}
      {!host ? (
        <p class="empty">No host is a swarm manager.</p>
      ) : (
        <>
          <SwarmNodes host={host} nodes={swarm?.nodes} reread={reread} />
          <SwarmServices host={host} services={swarm?.services} version={`${String(changes)}:${version}`} reread={reread} />
          <SwarmStacks host={host} stacks={swarm?.stacks} projects={swarm?.projects} reread={reread} />
        </>
      )}
    </section>
  );
}
