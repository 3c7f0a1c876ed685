import type { ContainerSummary } from '../../shared/schemas/containers.js';
import { swarmRoleText, type Hosts } from '../state/hosts.js';
import { DataTable } from './DataTable.js';
import { StateBadge } from './StateBadge.js';

/** The engines the manager reaches: state and, when one is not up, why; versions, swarm role and round trip once read. */
export function HostsView({ hosts, containers }: { hosts: Hosts; containers: ReadonlyMap<string, ContainerSummary> }) {
  const counts = new Map<string, { all: number; running: number }>();
  for (const c of containers.values()) {
    const n = counts.get(c.host) ?? { all: 0, running: 0 };
    n.all++;
    if (c.state === 'running') n.running++;
    counts.set(c.host, n);
  }
  // In the manager's order: the default host first, then as configured.
  const list = [...hosts.values()];
  return (
    <section aria-labelledby="hosts-title">
      <h2 id="hosts-title">Hosts</h2>
      <DataTable class="hosts" columns={['Host', 'State', 'Reason', 'Address', 'Engine', 'Swarm', 'Round trip', 'Containers', 'You may']} count={list.length} empty="No hosts reported yet.">
        {list.map((h) => {
          const n = counts.get(h.name);
          const swarm = h.info?.swarm;
          return (
            <tr key={h.name} data-host={h.name} data-state={h.state}>
              <th scope="row">
                {h.name} {h.info?.default && <span class="muted">(default)</span>}
              </th>
              <td>
                <StateBadge state={h.state} />
              </td>
              <td>{h.reason ?? '—'}</td>
              <td>
                <code>{h.info?.url ?? '—'}</code>
              </td>
              <td>{h.info?.engineVersion ? `Docker ${h.info.engineVersion} (API ${h.info.apiVersion ?? '?'})` : '—'}</td>
              <td data-swarm-role={swarm?.role} title={swarm?.nodeId && `node ${swarm.nodeId}`}>
                {swarmRoleText(swarm)}
                {swarm?.role === 'worker' && <span class="muted"> · cluster operations need a manager host</span>}
              </td>
              <td>{h.info?.rttMs != null ? `${h.info.rttMs.toFixed(0)} ms` : '—'}</td>
              <td>{n ? `${n.running} running of ${n.all}` : '—'}</td>
              <td data-access>{h.info ? (h.info.access.control ? 'read and control' : h.info.access.read ? 'read' : 'nothing') : '—'}</td>
            </tr>
          );
        })}
      </DataTable>
    </section>
  );
}
