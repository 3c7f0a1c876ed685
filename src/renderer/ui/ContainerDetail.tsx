import type { ComponentChildren } from 'preact';
import { useEffect, useMemo, useState } from 'preact/hooks';
import type { ContainerDetails, ContainerSummary } from '../../shared/schemas/containers.js';
import { errorOf } from '../client/errors.js';
import { mayControl } from '../state/access.js';
import { useDashboard } from './context.js';
import { ACTION_LABEL, runControl, type ControlAction } from './control.js';
import { ControlButton } from './ControlButton.js';
import { shortId, time } from './format.js';
import { containerLog, LogView } from './LogView.js';
import { StateBadge } from './StateBadge.js';
import { StatsCharts } from './StatsCharts.js';

function Field({ name, children }: { name: string; children: ComponentChildren }) {
  return (
    <>
      <dt>{name}</dt>
      <dd>{children}</dd>
    </>
  );
}

/** One container: its inspect data (never the environment: the manager does not send it), logs and live stats. */
export function ContainerDetail({ summary, onBack }: { summary: ContainerSummary; onBack(): void }) {
  const ctx = useDashboard();
  const [details, setDetails] = useState<ContainerDetails | undefined>();
  const [problem, setProblem] = useState<string | undefined>();
  const running = summary.state === 'running';
  const logSource = useMemo(() => containerLog(ctx.client, summary.id, summary.host), [ctx.client, summary.id, summary.host]);

  // Read again when the live summary changes: started, stopped, health.
  useEffect(() => {
    let current = true;
    ctx.client.containers.get({ id: summary.id, host: summary.host }).then(
      (d) => current && (setDetails(d), setProblem(undefined)),
      (err: unknown) => {
        if (!current) return;
        const { code, message } = errorOf(err);
        setProblem(`${code}: ${message}`);
      },
    );
    return () => {
      current = false;
    };
  }, [ctx.client, summary]);

  const actions: ControlAction[] = running ? ['stop', 'restart'] : ['start'];

  return (
    <article class="detail" aria-labelledby="detail-title">
      <div class="toolbar">
        <button type="button" class="quiet" onClick={onBack} aria-label="Back to the containers (Escape)">
          ← Containers
        </button>
        <h2 id="detail-title">{summary.name}</h2>
        <StateBadge state={summary.state} />
        {summary.health !== 'none' && <StateBadge state={summary.health} />}
        <span class="spacer" />
        {mayControl(ctx.access, summary.group, summary.host) &&
          actions.map((a) => (
            <ControlButton key={a} verb={ACTION_LABEL[a]} target={summary.name} tone={a} onClick={() => void runControl(ctx, a, summary)} />
          ))}
      </div>
      <section class="panel" aria-labelledby="inspect-title">
        <h3 id="inspect-title">Inspect</h3>
        {problem && <p role="alert" class="error">{problem}</p>}
        <dl class="inspect">
          <Field name="Id">
            <code title={summary.id}>{shortId(summary.id)}</code>
          </Field>
          <Field name="Host">{summary.host}</Field>
          <Field name="Group">{summary.group ?? 'none'}</Field>
          <Field name="Image">{summary.image}</Field>
          <Field name="Status">{summary.status}</Field>
          <Field name="Created">{time(summary.createdAt)}</Field>
          {details && (
            <>
              <Field name="Started">{time(details.startedAt)}</Field>
              <Field name="Finished">{time(details.finishedAt)}</Field>
              <Field name="Exit code">{details.exitCode ?? '—'}</Field>
              <Field name="Restarts">{details.restartCount}</Field>
              <Field name="Command">
                <code>{details.command.join(' ') || '—'}</code>
              </Field>
              <Field name="Mounts">
                {details.mounts.length === 0
                  ? '—'
                  : details.mounts.map((m) => (
                      <div key={m.destination}>
                        <code>
                          {m.source} → {m.destination}
                        </code>{' '}
                        {m.readOnly ? '(read-only)' : ''}
                      </div>
                    ))}
              </Field>
            </>
          )}
          <Field name="Ports">
            {summary.ports.length === 0
              ? '—'
              : summary.ports.map((p) => `${p.publicPort ? `${p.ip ?? ''}:${p.publicPort} → ` : ''}${p.privatePort}/${p.type}`).join(', ')}
          </Field>
          <Field name="Labels">
            {Object.keys(summary.labels).length === 0 ? (
              '—'
            ) : (
              <ul class="labels">
                {Object.entries(summary.labels).map(([k, v]) => (
                  <li key={k}>
                    <code>
                      {k}={v}
                    </code>
                  </li>
                ))}
              </ul>
            )}
          </Field>
        </dl>
      </section>
      <StatsCharts id={summary.id} host={summary.host} running={running} />
      <LogView source={logSource} canFollow={running} />
    </article>
  );
}
