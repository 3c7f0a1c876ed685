import type { ContainerSummary } from '../../shared/schemas/containers.js';
import { hostOf, type HostInfo } from '../state/hosts.js';
import { StateBadge } from './StateBadge.js';

/** The engines the manager reaches, with their state and, when one is not reachable, why. */
export function HostsView({ hosts, containers }: { hosts: ReadonlyMap<string, HostInfo>; containers: ReadonlyMap<string, ContainerSummary> }) {
  const counts = new Map<string, number>();
  for (const c of containers.values()) {
    const h = hostOf(c);
    if (h) counts.set(h, (counts.get(h) ?? 0) + 1);
  }
  const list = [...hosts.values()].sort((a, b) => a.name.localeCompare(b.name));
  return (
    <section aria-labelledby="hosts-title">
      <h2 id="hosts-title">Hosts</h2>
      {list.length === 0 ? (
        <p class="empty">No hosts reported.</p>
      ) : (
        <table class="hosts">
          <thead>
            <tr>
              <th scope="col">Host</th>
              <th scope="col">State</th>
              <th scope="col">Reason</th>
              <th scope="col">Address</th>
              <th scope="col">Containers</th>
            </tr>
          </thead>
          <tbody>
            {list.map((h) => (
              <tr key={h.name} data-host={h.name}>
                <th scope="row">{h.name}</th>
                <td>
                  <StateBadge state={h.state} />
                </td>
                <td>{h.reason ?? '—'}</td>
                <td>
                  <code>{h.url ?? '—'}</code>
                </td>
                <td>{counts.get(h.name) ?? 0}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
