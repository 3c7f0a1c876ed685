import { useEffect, useState } from 'preact/hooks';
import type { ComposeProject } from '../../shared/schemas/compose.js';
import { errorOf } from '../client/errors.js';
import { mayControlCompose } from '../state/access.js';
import { useDashboard } from './context.js';
import { ControlButton } from './ControlButton.js';
import { DataTable } from './DataTable.js';
import { RunOutput, useRun } from './RunOutput.js';
import { StateBadge } from './StateBadge.js';

/** Compose projects with their state; up and down stream compose's output as it prints it. */
export function ComposeView({ changes }: { changes: unknown }) {
  const ctx = useDashboard();
  const [projects, setProjects] = useState<ComposeProject[] | undefined>();
  const [problem, setProblem] = useState<string | undefined>();
  const [tick, setTick] = useState(0);

  useEffect(() => {
    let current = true;
    const timer = setTimeout(() => {
      ctx.client.compose.projects().then(
        (answer) => current && (setProjects(answer.projects), setProblem(undefined)),
        (err: unknown) => current && setProblem(`${errorOf(err).code}: ${errorOf(err).message}`),
      );
    }, 200);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [ctx.client, changes, tick]);

  const runner = useRun();
  const execute = async (project: string, verb: 'up' | 'down') => {
    await runner.execute(`compose ${verb} ${project}`, (onEvent) => ctx.client.compose[verb]({ project }, { onEvent }));
    setTick((t) => t + 1);
  };

  return (
    <section aria-labelledby="compose-title">
      <h2 id="compose-title">Compose projects</h2>
      {problem && <p role="alert" class="error">{problem}</p>}
      {!projects ? (
        <p class="empty">Loading projects…</p>
      ) : (
        <DataTable bare class="projects" columns={['Project', 'Group', 'State', 'Files']} actions count={projects.length} empty="No compose projects are registered or found in the projects folder.">
          {projects.map((p) => (
            <tr key={p.name} data-project={p.name} data-state={p.state}>
              <th scope="row">{p.name}</th>
              <td>{p.group ?? '—'}</td>
              <td>
                <StateBadge state={p.state} />
                {!p.available && <span class="error"> {p.problem ?? 'unavailable'}</span>}
              </td>
              <td>
                <code>{p.files.join(', ')}</code>
              </td>
              <td class="actions">
                {mayControlCompose(ctx.access, p.group) && p.available && (
                  <>
                    <ControlButton verb="Up" target={p.name} tone="start" busy={runner.running} onClick={() => void execute(p.name, 'up')} />
                    <ControlButton verb="Down" target={p.name} tone="stop" busy={runner.running} onClick={() => void execute(p.name, 'down')} />
                  </>
                )}
              </td>
            </tr>
          ))}
        </DataTable>
      )}
      <RunOutput run={runner.run} />
    </section>
  );
}
