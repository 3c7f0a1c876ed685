import { useEffect, useState } from 'preact/hooks';
import type { GroupOperationResult, GroupProgressEvent, GroupStatus, PlanEntry } from '../../shared/schemas/services.js';
import { errorOf } from '../client/errors.js';
import { mayControlGroups } from '../state/access.js';
import { useDashboard } from './context.js';
import { DataTable } from './DataTable.js';
import { StateBadge } from './StateBadge.js';

type Verb = 'start' | 'stop';

interface Run {
  verb: Verb;
  phase: 'preview' | 'running' | 'done';
  plan?: PlanEntry[][];
  warnings: string[];
  /** Each member's latest step as it happens. */
  steps: Record<string, GroupProgressEvent>;
  result?: GroupOperationResult;
  error?: string;
}

function Plan({ plan }: { plan: PlanEntry[][] }) {
  return (
    <ol class="plan" aria-label="Plan, level by level">
      {plan.map((level, i) => (
        <li key={i}>
          <span class="muted">Level {i + 1}</span>
          <ul>
            {level.map((e) => (
              <li key={e.service}>
                <strong>{e.service}</strong> <StateBadge state={e.state} /> → {e.planned}
                {e.reason && <span class="muted"> ({e.reason})</span>}
              </li>
            ))}
          </ul>
        </li>
      ))}
    </ol>
  );
}

function GroupCard({ group, reload }: { group: GroupStatus; reload(): void }) {
  const ctx = useDashboard();
  const [run, setRun] = useState<Run | undefined>();
  const control = mayControlGroups(ctx.access, group.name);

  const preview = async (verb: Verb) => {
    setRun({ verb, phase: 'preview', warnings: [], steps: {} });
    try {
      const answer = await ctx.client.services[verb]({ group: group.name, dryRun: true });
      setRun({ verb, phase: 'preview', warnings: answer.warnings, steps: {}, ...(answer.plan ? { plan: answer.plan } : {}) });
    } catch (err) {
      const { code, message } = errorOf(err);
      setRun({ verb, phase: 'done', warnings: [], steps: {}, error: `${code}: ${message}` });
    }
  };

  const execute = async (verb: Verb) => {
    setRun((r) => ({ ...(r ?? { warnings: [] }), verb, phase: 'running', steps: {} }));
    try {
      const result = await ctx.client.services[verb](
        { group: group.name },
        { onEvent: (e) => setRun((r) => r && { ...r, steps: { ...r.steps, [e.service]: e } }) },
      );
      setRun((r) => r && { ...r, phase: 'done', result });
    } catch (err) {
      const { code, message } = errorOf(err);
      ctx.notify({ kind: 'error', title: `${verb === 'start' ? 'Start' : 'Stop'} group ${group.name}`, code, message });
      setRun((r) => r && { ...r, phase: 'done', error: `${code}: ${message}` });
    }
    reload();
  };

  const verbLabel = run?.verb === 'stop' ? 'stop' : 'start';
  return (
    <section class="card" aria-labelledby={`group-${group.name}`} data-group={group.name}>
      <div class="toolbar">
        <h3 id={`group-${group.name}`}>
          <span class="muted">Phase {group.phase}</span> {group.name}
        </h3>
        <span class="muted">
          {group.running}/{group.total} running · {group.healthy} healthy
          {group.dependsOn.length > 0 && ` · after ${group.dependsOn.join(', ')}`}
        </span>
        <span class="spacer" />
        {control && (
          <>
            <button type="button" disabled={run?.phase === 'running'} onClick={() => void preview('start')} aria-label={`Start group ${group.name}…`}>
              Start…
            </button>
            <button type="button" disabled={run?.phase === 'running'} onClick={() => void preview('stop')} aria-label={`Stop group ${group.name}…`}>
              Stop…
            </button>
          </>
        )}
      </div>
      <p class="muted">{group.description}</p>
      <DataTable bare class="members" columns={['Member', 'State', 'Health', 'Needs', run !== undefined && 'Progress']}>
        {group.services.map((s) => {
          const step = run?.steps[s.name];
          return (
            <tr key={s.name} data-member={s.name}>
              <th scope="row">{s.name}</th>
              <td>
                <StateBadge state={s.state} />
              </td>
              <td>{s.health === 'none' ? '—' : <StateBadge state={s.health} />}</td>
              <td>{s.dependsOn.join(', ') || '—'}</td>
              {run && (
                <td data-progress={step?.step ?? ''}>
                  {step ? <StateBadge state={step.step} /> : run.phase === 'running' ? <span class="muted">waiting</span> : '—'}
                  {step?.error && <span class="error"> {step.error}</span>}
                </td>
              )}
            </tr>
          );
        })}
      </DataTable>
      {run && (
        <div class="run" role="region" aria-label={`${verbLabel} of ${group.name}`}>
          {run.phase === 'preview' && (
            <>
              <h4>Dry run: what {verbLabel} would do</h4>
              {run.plan ? <Plan plan={run.plan} /> : <p class="muted">Reading the plan…</p>}
              {run.warnings.map((w) => (
                <p key={w} class="warn">
                  {w}
                </p>
              ))}
              <div class="toolbar">
                <button type="button" class={`control ${run.verb}`} disabled={!run.plan} onClick={() => void execute(run.verb)}>
                  {`Confirm ${verbLabel} of ${group.name}`}
                </button>
                <button type="button" class="quiet" onClick={() => setRun(undefined)}>
                  Cancel
                </button>
              </div>
            </>
          )}
          {run.phase === 'running' && <p role="status">Running {verbLabel} of {group.name}…</p>}
          {run.phase === 'done' && (
            <p role="status" class={run.error || run.result?.ok === false ? 'error' : ''}>
              {run.error ?? (run.result?.ok ? `${group.name}: ${verbLabel} done` : `${group.name}: ${verbLabel} did not reach its goal`)}{' '}
              <button type="button" class="quiet" onClick={() => setRun(undefined)}>
                Dismiss
              </button>
            </p>
          )}
        </div>
      )}
    </section>
  );
}

/** The service groups by phase; read again whenever a container changes (events, not a timer). */
export function GroupsView({ changes }: { changes: unknown }) {
  const { client } = useDashboard();
  const [groups, setGroups] = useState<GroupStatus[] | undefined>();
  const [problem, setProblem] = useState<string | undefined>();
  const [tick, setTick] = useState(0);

  useEffect(() => {
    let current = true;
    const timer = setTimeout(() => {
      client.services.list().then(
        (answer) => current && (setGroups([...answer.groups].sort((a, b) => a.phase - b.phase)), setProblem(undefined)),
        (err: unknown) => current && setProblem(`${errorOf(err).code}: ${errorOf(err).message}`),
      );
    }, 200);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [client, changes, tick]);

  return (
    <section aria-labelledby="groups-title">
      <h2 id="groups-title">Service groups</h2>
      {problem && <p role="alert" class="error">{problem}</p>}
      {!groups ? (
        <p class="empty">Loading groups…</p>
      ) : groups.length === 0 ? (
        <p class="empty">No service groups are configured.</p>
      ) : (
        groups.map((g) => <GroupCard key={g.name} group={g} reload={() => setTick((t) => t + 1)} />)
      )}
    </section>
  );
}
