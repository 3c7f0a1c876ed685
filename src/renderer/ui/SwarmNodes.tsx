import { useState } from 'preact/hooks';
import type { NodeAvailability, SwarmNode } from '../../shared/schemas/swarm.js';
import { mayControlNodes } from '../state/access.js';
import { useDashboard } from './context.js';
import { ControlButton } from './ControlButton.js';
import { DataTable } from './DataTable.js';
import { StateBadge } from './StateBadge.js';
import { swarmCall } from './swarm-call.js';

/** Every availability, in the order offered (the record's keys are checked against the schema's). */
const VERB: Record<NodeAvailability, string> = { active: 'Activate', pause: 'Pause', drain: 'Drain' };
const AVAILABILITIES = Object.keys(VERB) as NodeAvailability[];

/** The swarm's nodes; an admin moves a node between active, pause and drain. */
export function SwarmNodes({ host, nodes }: { host: string; nodes: SwarmNode[] | undefined }) {
  const ctx = useDashboard();
  const [busy, setBusy] = useState<string | undefined>();
  const control = mayControlNodes(ctx.access, host);
  const set = async (node: SwarmNode, availability: NodeAvailability) => {
    setBusy(node.id);
    await swarmCall(ctx, `${VERB[availability]} ${node.hostname}`, () => ctx.client.swarm.setAvailability({ node: node.id, host, availability }));
    setBusy(undefined);
  };
  return (
    <>
      <h3>Nodes</h3>
      <DataTable class="nodes" columns={['Node', 'Role', 'State', 'Availability', 'Address', 'Engine']} actions={control}>
        {(nodes ?? []).map((n) => (
          <tr key={n.id} data-node={n.hostname} data-state={n.state} data-availability={n.availability}>
            <th scope="row">{n.hostname}</th>
            <td>
              {n.role}
              {n.leader && <span class="muted"> (leader)</span>}
            </td>
            <td>
              <StateBadge state={n.state} />
            </td>
            <td>
              <StateBadge state={n.availability} />
            </td>
            <td>{n.address ?? '—'}</td>
            <td>{n.engineVersion ?? '—'}</td>
            {control && (
              <td class="actions">
                {AVAILABILITIES.filter((a) => a !== n.availability).map((a) => (
                  <ControlButton key={a} verb={VERB[a]} target={n.hostname} tone={a === 'active' ? 'start' : 'stop'} busy={busy === n.id} onClick={() => void set(n, a)} />
                ))}
              </td>
            )}
          </tr>
        ))}
      </DataTable>
    </>
  );
}
