import { useEffect, useMemo, useState } from 'preact/hooks';
import type { SwarmService, SwarmTask } from '../../shared/schemas/swarm.js';
import { errorOf } from '../client/errors.js';
import { mayControlSwarm } from '../state/access.js';
import { useDashboard } from './context.js';
import { ControlButton } from './ControlButton.js';
import { DataTable } from './DataTable.js';
import { time } from './format.js';
import { LogView, serviceLog } from './LogView.js';
import { StateBadge } from './StateBadge.js';
import { swarmCall } from './swarm-call.js';

interface Props {
  host: string;
  services: SwarmService[] | undefined;
  /** Changes whenever an event names the service or the swarm is read again: its open tasks are read with it. */
  versionOf(service: string): string;
}

function Scale({ service, host, busy, run }: { service: SwarmService; host: string; busy: boolean; run(title: string, call: () => Promise<unknown>): void }) {
  const ctx = useDashboard();
  const [replicas, setReplicas] = useState(String(service.replicas.desired));
  // Scaled elsewhere (the CLI, another page): the field offers the new count.
  useEffect(() => setReplicas(String(service.replicas.desired)), [service.replicas.desired]);
  return (
    <form
      class="inline"
      onSubmit={(e) => {
        e.preventDefault();
        run(`Scale ${service.name}`, () => ctx.client.swarm.scale({ service: service.name, host, replicas: Number(replicas) }));
      }}
    >
      <input
        type="number"
        min={0}
        max={1000}
        value={replicas}
        aria-label={`Replicas of ${service.name}`}
        onInput={(e) => setReplicas((e.currentTarget as HTMLInputElement).value)}
      />
      <ControlButton verb="Scale" target={service.name} busy={busy} submit />
    </form>
  );
}

/** One service's tasks (where each replica runs, and why one failed) and its logs, every task's lines. */
function ServicePanel({ service, host, version }: { service: SwarmService; host: string; version: string }) {
  const ctx = useDashboard();
  const [tasks, setTasks] = useState<SwarmTask[] | undefined>();
  const [problem, setProblem] = useState<string | undefined>();
  const source = useMemo(() => serviceLog(ctx.client, service.name, host), [ctx.client, service.name, host]);

  useEffect(() => {
    let current = true;
    ctx.client.swarm.tasks({ service: service.name, host }).then(
      (answer) => current && (setTasks(answer.tasks), setProblem(undefined)),
      (err: unknown) => current && setProblem(`${errorOf(err).code}: ${errorOf(err).message}`),
    );
    return () => {
      current = false;
    };
  }, [ctx.client, service.name, host, version]);

  // The tasks that should run first, then the newest: what a person looks for.
  const shown = [...(tasks ?? [])].sort((a, b) => (a.desiredState === b.desiredState ? (b.updatedAt ?? '').localeCompare(a.updatedAt ?? '') : a.desiredState === 'running' ? -1 : 1));
  return (
    <section class="panel" aria-labelledby="service-panel-title" data-service-panel={service.name}>
      <h3 id="service-panel-title">Tasks of {service.name}</h3>
      {problem && <p role="alert" class="error">{problem}</p>}
      {tasks && tasks.length === 0 ? (
        <p class="muted">No tasks.</p>
      ) : (
        <DataTable class="tasks" columns={['Task', 'Node', 'State', 'Desired', 'Message', 'Updated']}>
          {shown.map((t) => (
            <tr key={t.id} data-task={t.id} data-state={t.state} data-node={t.node ?? ''}>
              <th scope="row">{t.slot !== null ? `${service.name}.${t.slot}` : t.id.slice(0, 12)}</th>
              <td>{t.node ?? t.nodeId ?? '—'}</td>
              <td>
                <StateBadge state={t.state} />
              </td>
              <td>{t.desiredState}</td>
              <td>{t.error ? <span class="error">{t.error}</span> : t.message}</td>
              <td>{time(t.updatedAt)}</td>
            </tr>
          ))}
        </DataTable>
      )}
      <LogView source={source} canFollow title={`Logs of ${service.name}`} />
    </section>
  );
}

/** The swarm's services: running and desired replicas; scale, restart and roll back by role and group. */
export function SwarmServices({ host, services, versionOf }: Props) {
  const ctx = useDashboard();
  const [open, setOpen] = useState<string | undefined>();
  const [busy, setBusy] = useState<string | undefined>();
  const opened = services?.find((s) => s.name === open);
  const run = (service: string) => (title: string, call: () => Promise<unknown>) => {
    setBusy(service);
    void swarmCall(ctx, title, call).finally(() => setBusy(undefined));
  };

  return (
    <>
      <h3>Services</h3>
      <DataTable class="services" columns={['Service', 'Stack', 'Image', 'Replicas', 'Update']} actions count={services?.length} empty="No services in this swarm.">
        {(services ?? []).map((s) => {
          const control = mayControlSwarm(ctx.access, s.group, host);
          const act = run(s.name);
          return (
            <tr key={s.id} data-service={s.name} data-replicas={`${s.replicas.running}/${s.replicas.desired}`} data-update={s.update?.state ?? ''}>
              <th scope="row">
                <button
                  type="button"
                  class="link"
                  aria-expanded={open === s.name}
                  aria-label={`Tasks and logs of ${s.name}`}
                  onClick={() => setOpen(open === s.name ? undefined : s.name)}
                >
                  {s.name}
                </button>
              </th>
              <td>{s.stack ?? '—'}</td>
              <td class="image" title={s.image}>
                {s.image}
              </td>
              <td>
                <StateBadge state={s.replicas.running === s.replicas.desired ? 'running' : 'starting'} /> {s.replicas.running} of {s.replicas.desired}{' '}
                {s.mode === 'global' && <span class="muted">(global)</span>}
              </td>
              <td>{s.update ? `${s.update.state}${s.update.message ? `: ${s.update.message}` : ''}` : '—'}</td>
              <td class="actions">
                {control && (
                  <>
                    {s.mode === 'replicated' && <Scale service={s} host={host} busy={busy === s.name} run={act} />}
                    <ControlButton verb="Restart" target={s.name} tone="restart" busy={busy === s.name} onClick={() => act(`Restart ${s.name}`, () => ctx.client.swarm.restart({ service: s.name, host }))} />
                    <ControlButton verb="Roll back" target={s.name} busy={busy === s.name} onClick={() => act(`Roll back ${s.name}`, () => ctx.client.swarm.rollback({ service: s.name, host }))} />
                  </>
                )}
              </td>
            </tr>
          );
        })}
      </DataTable>
      {opened && <ServicePanel key={opened.name} service={opened} host={host} version={versionOf(opened.name)} />}
    </>
  );
}
