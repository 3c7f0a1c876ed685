import { useState } from 'preact/hooks';
import type { ComposeProject } from '../../shared/schemas/compose.js';
import type { SwarmStack } from '../../shared/schemas/swarm.js';
import { mayControlSwarm } from '../state/access.js';
import { useDashboard } from './context.js';
import { ControlButton } from './ControlButton.js';
import { DataTable } from './DataTable.js';
import { RunOutput, useRun } from './RunOutput.js';
import { StateBadge } from './StateBadge.js';

interface Props {
  host: string;
  stacks: SwarmStack[] | undefined;
  /** Registered compose projects: those not deployed yet are offered for deploying. */
  projects: ComposeProject[] | undefined;
}

type Verb = 'deploy' | 'remove';

/**
 * The stacks on the swarm, whoever deployed them; a stack of a registered compose project is
 * deployed (or updated) and removed with the CLI's output streaming as it prints, any other stack
 * removed by its name.
 */
export function SwarmStacks({ host, stacks, projects }: Props) {
  const ctx = useDashboard();
  const runner = useRun();
  const deployed = new Set((stacks ?? []).map((s) => s.name));
  const candidates = (projects ?? []).filter((p) => p.available && !deployed.has(p.name) && mayControlSwarm(ctx.access, p.group, host));
  const [chosen, setChosen] = useState('');
  const pick = candidates.some((p) => p.name === chosen) ? chosen : (candidates[0]?.name ?? '');

  // The rows follow the swarm's events as the stack's services come and go.
  const execute = (verb: Verb, project: string) =>
    runner.execute(`stack ${verb} ${project}`, (onEvent) => ctx.client.stacks[verb]({ project, host }, { onEvent }));
  // A stack someone else deployed is no project: it is removed by its name, by a role that controls every group.
  const removeByName = (stack: string) =>
    runner.execute(`stack remove ${stack}`, (onEvent) => ctx.client.stacks.removeByName({ stack, host }, { onEvent }));

  return (
    <>
      <div class="toolbar">
        <h3>Stacks</h3>
        {candidates.length > 0 && (
          <form
            class="inline"
            onSubmit={(e) => {
              e.preventDefault();
              if (pick) void execute('deploy', pick);
            }}
          >
            <label class="filter">
              <span>Project</span>
              <select value={pick} onChange={(e) => setChosen((e.currentTarget as HTMLSelectElement).value)}>
                {candidates.map((p) => (
                  <option key={p.name} value={p.name}>
                    {p.name}
                  </option>
                ))}
              </select>
            </label>
            <ControlButton verb="Deploy" target={pick} tone="start" busy={runner.running} submit>
              Deploy as a stack
            </ControlButton>
          </form>
        )}
      </div>
      <DataTable class="stacks" columns={['Stack', 'Services', 'Replicas', 'Project', 'Group']} actions count={stacks?.length} empty="No stacks on this swarm.">
        {(stacks ?? []).map((s) => (
          <tr key={s.name} data-stack={s.name} data-replicas={`${s.running}/${s.desired}`}>
            <th scope="row">{s.name}</th>
            <td>{s.services}</td>
            <td>
              <StateBadge state={s.running === s.desired ? 'running' : 'starting'} /> {s.running} of {s.desired}
            </td>
            <td>{s.project ?? <span class="muted">not registered</span>}</td>
            <td>{s.group ?? '—'}</td>
            <td class="actions">
              {s.project !== undefined && mayControlSwarm(ctx.access, s.group, host) && (
                <>
                  <ControlButton verb="Deploy" target={s.name} tone="start" busy={runner.running} onClick={() => void execute('deploy', s.project as string)} />
                  <ControlButton verb="Remove" target={s.name} tone="stop" busy={runner.running} onClick={() => void execute('remove', s.project as string)} />
                </>
              )}
              {s.project === undefined && mayControlSwarm(ctx.access, null, host) && (
                <ControlButton verb="Remove" target={s.name} tone="stop" busy={runner.running} onClick={() => void removeByName(s.name)} />
              )}
            </td>
          </tr>
        ))}
      </DataTable>
      <RunOutput run={runner.run} />
    </>
  );
}
