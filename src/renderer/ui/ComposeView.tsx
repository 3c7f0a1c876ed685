import { useEffect, useState } from 'preact/hooks';
import type { ComposeProject } from '../../shared/schemas/compose.js';
import { errorOf } from '../client/errors.js';
import { mayControlCompose } from '../state/access.js';
import { useDashboard } from './context.js';
import { outcomeOf, RunOutput, type Run } from './RunOutput.js';
import { StateBadge } from './StateBadge.js';

/** Compose projects with their state; up and down stream compose's output as it prints it. */
export function ComposeView({ changes }: { changes: unknown }) {
  const ctx = useDashboard();
  const [projects, setProjects] = useState<ComposeProject[] | undefined>();
  const [problem, setProblem] = useState<string | undefined>();
  const [run, setRun] = useState<Run | undefined>();
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

  const execute = async (project: string, verb: 'up' | 'down') => {
    setRun({ title: `compose ${verb} ${project}`, lines: [] });
    try {
      const result = await ctx.client.compose[verb](
        { project },
        { onEvent: (line) => setRun((r) => r && { ...r, lines: [...r.lines, line] }) },
      );
      setRun((r) => r && { ...r, outcome: outcomeOf(result) });
    } catch (err) {
      const { code, message } = errorOf(err);
      ctx.notify({ kind: 'error', title: `compose ${verb} ${project}`, code, message });
      setRun((r) => r && { ...r, outcome: `${code}: ${message}` });
    }
    setTick((t) => t + 1);
  };

  return (
    <section aria-labelledby="compose-title">
      <h2 id="compose-title">Compose projects</h2>
      {problem && <p role="alert" class="error">{problem}</p>}
      {!projects ? (
        <p class="empty">Loading projects…</p>
      ) : projects.length === 0 ? (
        <p class="empty">No compose projects are registered or found in the projects folder.</p>
      ) : (
        <table class="projects">
          <thead>
            <tr>
              <th scope="col">Project</th>
              <th scope="col">Group</th>
              <th scope="col">State</th>
              <th scope="col">Files</th>
              <th scope="col">
                <span class="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
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
                      <button type="button" class="control start" disabled={run && !run.outcome} aria-label={`Up ${p.name}`} onClick={() => void execute(p.name, 'up')}>
                        Up
                      </button>
                      <button type="button" class="control stop" disabled={run && !run.outcome} aria-label={`Down ${p.name}`} onClick={() => void execute(p.name, 'down')}>
                        Down
                      </button>
                    </>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {run && <RunOutput run={run} />}
    </section>
  );
}
