import { useEffect, useState } from 'preact/hooks';
import type { SwarmNode, SwarmService } from '../../shared/schemas/swarm.js';
import { errorOf } from '../client/errors.js';
import { mayScale } from '../state/access.js';
import type { Hosts } from '../state/hosts.js';
import { useDashboard } from './context.js';
import { StateBadge } from './StateBadge.js';

function Scale({ service, host, onDone }: { service: SwarmService; host: string; onDone(): void }) {
  const ctx = useDashboard();
  const [replicas, setReplicas] = useState(String(service.replicas.desired));
  const [busy, setBusy] = useState(false);
  const scale = async () => {
    setBusy(true);
    try {
      await ctx.client.swarm.scale({ service: service.name, host, replicas: Number(replicas) });
    } catch (err) {
      const { code, message } = errorOf(err);
      ctx.notify({ kind: 'error', title: `Scale ${service.name}`, code, message });
    }
    setBusy(false);
    onDone();
  };
  return (
    <form
      class="inline"
      onSubmit={(e) => {
        e.preventDefault();
        void scale();
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
      <button type="submit" disabled={busy} aria-label={`Scale ${service.name}`}>
        Scale
      </button>
    </form>
  );
}

/** The swarm of a host whose engine is a manager: nodes, and services with running and desired replicas. */
export function SwarmView({ hosts, changes }: { hosts: Hosts; changes: unknown }) {
  const ctx = useDashboard();
  const managers = [...hosts.values()].filter((h) => h.info?.swarmManager).map((h) => h.name);
  const [host, setHost] = useState(managers[0] ?? '');
  const [nodes, setNodes] = useState<SwarmNode[] | undefined>();
  const [services, setServices] = useState<SwarmService[] | undefined>();
  const [problem, setProblem] = useState<string | undefined>();
  const [tick, setTick] = useState(0);

  useEffect(() => {
    if (!host) return;
    let current = true;
    Promise.all([ctx.client.swarm.nodes({ host }), ctx.client.swarm.services({ host })]).then(
      ([n, s]) => {
        if (!current) return;
        setNodes(n.nodes);
        setServices([...s.services].sort((a, b) => a.name.localeCompare(b.name)));
        setProblem(undefined);
      },
      (err: unknown) => current && setProblem(`${errorOf(err).code}: ${errorOf(err).message}`),
    );
    return () => {
      current = false;
    };
  }, [ctx.client, host, changes, tick]);

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
        <button type="button" class="quiet" onClick={() => setTick((t) => t + 1)}>
          Read again
        </button>
      </div>
      {problem && <p role="alert" class="error">{problem}</p>}
      {!host ? (
        <p class="empty">No host is a swarm manager.</p>
      ) : (
        <>
          <h3>Nodes</h3>
          <div class="table-wrap">
            <table class="nodes">
              <thead>
                <tr>
                  <th scope="col">Node</th>
                  <th scope="col">Role</th>
                  <th scope="col">State</th>
                  <th scope="col">Availability</th>
                  <th scope="col">Address</th>
                  <th scope="col">Engine</th>
                </tr>
              </thead>
              <tbody>
                {(nodes ?? []).map((n) => (
                  <tr key={n.id} data-node={n.hostname}>
                    <th scope="row">{n.hostname}</th>
                    <td>
                      {n.role}
                      {n.leader && <span class="muted"> (leader)</span>}
                    </td>
                    <td>
                      <StateBadge state={n.state} />
                    </td>
                    <td>{n.availability}</td>
                    <td>{n.address ?? '—'}</td>
                    <td>{n.engineVersion ?? '—'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <h3>Services</h3>
          {services && services.length === 0 ? (
            <p class="empty">No services in this swarm.</p>
          ) : (
            <div class="table-wrap">
              <table class="services">
                <thead>
                  <tr>
                    <th scope="col">Service</th>
                    <th scope="col">Stack</th>
                    <th scope="col">Image</th>
                    <th scope="col">Replicas</th>
                    <th scope="col">Update</th>
                    <th scope="col">
                      <span class="sr-only">Actions</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {(services ?? []).map((s) => (
                    <tr key={s.id} data-service={s.name} data-replicas={`${s.replicas.running}/${s.replicas.desired}`}>
                      <th scope="row">{s.name}</th>
                      <td>{s.stack ?? '—'}</td>
                      <td class="image">{s.image}</td>
                      <td>
                        <StateBadge state={s.replicas.running === s.replicas.desired ? 'running' : 'starting'} /> {s.replicas.running} of{' '}
                        {s.replicas.desired} {s.mode === 'global' && <span class="muted">(global)</span>}
                      </td>
                      <td>{s.update ? `${s.update.state}${s.update.message ? `: ${s.update.message}` : ''}` : '—'}</td>
                      <td class="actions">{s.mode === 'replicated' && mayScale(ctx.role, s.group) && <Scale service={s} host={host} onDone={() => setTick((t) => t + 1)} />}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </>
      )}
    </section>
  );
}
