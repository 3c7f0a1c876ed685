import { Component } from 'preact';
import type { ContainerSummary } from '../../shared/schemas/containers.js';
import type { StatsHistory } from '../state/stats-history.js';
import { ACTION_LABEL, type ControlAction } from './control.js';
import { ControlButton } from './ControlButton.js';
import { Sparkline } from './Sparkline.js';
import { StateBadge } from './StateBadge.js';
import { StatusText } from './StatusText.js';

export interface RowProps {
  container: ContainerSummary;
  showHost: boolean;
  /** Offered for this container by the signed-in role (the server still decides). */
  controls: boolean;
  busy: boolean;
  /** Where the row's small charts read their samples (the charts listen there, not through the row). */
  history: StatsHistory;
  onOpen(id: string): void;
  onControl(action: ControlAction, container: ContainerSummary): void;
}

function actionsFor(state: ContainerSummary['state']): ControlAction[] {
  return state === 'running' || state === 'restarting' || state === 'paused' ? ['stop', 'restart'] : ['start'];
}

/**
 * One container. Re-rendered only when its own summary, its offer or its busy flag changed: a
 * pushed change to one container touches one row of a thousand.
 */
export class ContainerRow extends Component<RowProps> {
  override shouldComponentUpdate(next: RowProps): boolean {
    const p = this.props;
    return p.container !== next.container || p.controls !== next.controls || p.busy !== next.busy || p.showHost !== next.showHost;
  }

  override render({ container: c, showHost, controls, busy, history, onOpen, onControl }: RowProps) {
    const running = c.state === 'running';
    return (
      <tr data-id={c.id} data-name={c.name} data-state={c.state}>
        <th scope="row">
          <button type="button" class="link" onClick={() => onOpen(c.id)} aria-label={`Details of ${c.name}`}>
            {c.name}
          </button>
        </th>
        {showHost && <td>{c.host}</td>}
        <td>{c.group ?? <span class="muted">none</span>}</td>
        <td class="image" title={c.image}>{c.image}</td>
        <td>
          <StateBadge state={c.state} />
        </td>
        <td>{c.health === 'none' ? <span class="muted">—</span> : <StateBadge state={c.health} />}</td>
        <td class="status">
          <StatusText container={c} />
        </td>
        {/* Empty when not running: the stylesheet draws the dash, two elements fewer on each of a thousand rows. */}
        <td class="usage">{running && <Sparkline id={c.id} name={c.name} figure="cpu" history={history} />}</td>
        <td class="usage">{running && <Sparkline id={c.id} name={c.name} figure="memory" history={history} />}</td>
        <td class="actions">
          {controls &&
            actionsFor(c.state).map((action) => (
              <ControlButton key={action} verb={ACTION_LABEL[action]} target={c.name} tone={action} busy={busy} onClick={() => onControl(action, c)} />
            ))}
        </td>
      </tr>
    );
  }
}
