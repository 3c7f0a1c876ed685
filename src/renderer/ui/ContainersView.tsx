import { useCallback, useMemo, useState } from 'preact/hooks';
import type { ContainerSummary } from '../../shared/schemas/containers.js';
import { mayControl } from '../state/access.js';
import { byName, matches, NO_FILTERS, NO_GROUP, type Filters } from '../state/filters.js';
import type { LiveState } from '../state/live-containers.js';
import type { StatsHistory } from '../state/stats-history.js';
import { ContainerRow } from './ContainerRow.js';
import { useDashboard } from './context.js';
import { DataTable } from './DataTable.js';
import { runControl, type ControlAction } from './control.js';

interface Props {
  live: LiveState;
  history: StatsHistory;
  /** Why the live figures stopped, while they are stopped. */
  statsProblem: string | undefined;
  filters: Filters;
  setFilters(f: Filters): void;
  onOpen(id: string): void;
}

function Select({ label, value, options, onChange }: { label: string; value: string; options: string[]; onChange(v: string): void }) {
  return (
    <label class="filter">
      <span>{label}</span>
      <select value={value} onChange={(e) => onChange((e.currentTarget as HTMLSelectElement).value)}>
        <option value="">all</option>
        {options.map((o) => (
          <option key={o} value={o}>
            {o}
          </option>
        ))}
      </select>
    </label>
  );
}

export function ContainersView({ live, history, statsProblem, filters, setFilters, onOpen }: Props) {
  const ctx = useDashboard();
  const [busy, setBusy] = useState<ReadonlySet<string>>(new Set());
  const all = useMemo(() => [...live.containers.values()].sort(byName), [live.containers]);
  const shown = useMemo(() => all.filter((c) => matches(c, filters)), [all, filters]);
  const states = useMemo(() => [...new Set(all.map((c) => c.state))].sort(), [all]);
  const groups = useMemo(() => [...new Set(all.map((c) => c.group ?? NO_GROUP))].sort(), [all]);
  const hosts = useMemo(() => [...new Set([...all.map((c) => c.host), ...live.hosts.keys()])].sort(), [all, live.hosts]);
  // One engine, one host: the column would say the same on every row.
  const showHost = hosts.length > 1;

  const onControl = useCallback(
    (action: ControlAction, c: ContainerSummary) => {
      setBusy((b) => new Set(b).add(c.id));
      void runControl(ctx, action, c).finally(() =>
        setBusy((b) => {
          const next = new Set(b);
          next.delete(c.id);
          return next;
        }),
      );
    },
    [ctx],
  );
  const set = (patch: Partial<Filters>) => setFilters({ ...filters, ...patch });
  const filtered = shown.length !== all.length;

  return (
    <section aria-labelledby="containers-title">
      <div class="toolbar">
        <h2 id="containers-title">
          Containers <span class="count">{filtered ? `${shown.length} of ${all.length}` : all.length}</span>
        </h2>
        <label class="filter search">
          <span>Search</span>
          <input
            type="search"
            placeholder="name, image or id  ( / )"
            value={filters.text}
            onInput={(e) => set({ text: (e.currentTarget as HTMLInputElement).value })}
            data-shortcut="/"
          />
        </label>
        {showHost && <Select label="Host" value={filters.host} options={hosts} onChange={(host) => set({ host })} />}
        <Select label="Group" value={filters.group} options={groups} onChange={(group) => set({ group })} />
        <Select label="State" value={filters.state} options={states} onChange={(state) => set({ state })} />
        {filtered && (
          <button type="button" class="quiet" onClick={() => setFilters(NO_FILTERS)}>
            Clear filters
          </button>
        )}
        {statsProblem && (
          <span class="muted" role="status" data-stats-problem>
            Live CPU and memory paused ({statsProblem}); retrying.
          </span>
        )}
      </div>
      {!live.loaded ? (
        <p class="empty" role="status">
          Loading containers…
        </p>
      ) : all.length === 0 ? (
        <div class="empty" role="status">
          <h3>No containers on this engine</h3>
          <p>Containers appear here as soon as they are created, by this manager, compose or the docker CLI.</p>
        </div>
      ) : shown.length === 0 ? (
        <p class="empty" role="status">
          No container matches the filters.
        </p>
      ) : (
        <DataTable class="containers" columns={['Name', showHost && 'Host', 'Group', 'Image', 'State', 'Health', 'Status', 'CPU', 'Memory']} actions>
          {shown.map((c) => (
            <ContainerRow
              key={c.id}
              container={c}
              showHost={showHost}
              controls={mayControl(ctx.access, c.group, c.host)}
              history={history}
              busy={busy.has(c.id)}
              onOpen={onOpen}
              onControl={onControl}
            />
          ))}
        </DataTable>
      )}
    </section>
  );
}
