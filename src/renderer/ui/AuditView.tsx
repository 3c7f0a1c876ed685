import { useEffect, useState } from 'preact/hooks';
import type { AuditEntry } from '../../shared/schemas/audit.js';
import { errorOf } from '../client/errors.js';
import { useDashboard } from './context.js';
import { DataTable } from './DataTable.js';
import { StateBadge } from './StateBadge.js';
import { time } from './format.js';

/** The audit trail, newest first: read when opened and again on each container change or on request. */
export function AuditView({ changes }: { changes: unknown }) {
  const { client } = useDashboard();
  const [entries, setEntries] = useState<AuditEntry[] | undefined>();
  const [problem, setProblem] = useState<string | undefined>();
  const [tick, setTick] = useState(0);

  useEffect(() => {
    let current = true;
    const timer = setTimeout(() => {
      client.audit.list({ limit: 200 }).then(
        (answer) => current && (setEntries(answer.entries), setProblem(undefined)),
        (err: unknown) => current && setProblem(`${errorOf(err).code}: ${errorOf(err).message}`),
      );
    }, 300);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [client, changes, tick]);

  return (
    <section aria-labelledby="audit-title">
      <div class="toolbar">
        <h2 id="audit-title">Audit trail</h2>
        <button type="button" class="quiet" onClick={() => setTick((t) => t + 1)}>
          Read again
        </button>
      </div>
      {problem && <p role="alert" class="error">{problem}</p>}
      {!entries ? (
        <p class="empty">Loading…</p>
      ) : (
        <DataTable class="audit" columns={['Time', 'Who', 'Operation', 'Target', 'Result', 'Code', 'Via']} count={entries.length} empty="Nothing recorded yet.">
          {entries.map((e) => (
            <tr key={`${e.requestId}-${e.result}`}>
              <td>{time(e.time)}</td>
              <td>
                {e.sub ?? <span class="muted">anonymous</span>} {e.role && <span class="muted">({e.role})</span>}
              </td>
              <td>
                <code>{e.operation}</code>
              </td>
              <td>{e.target ?? '—'}</td>
              <td>
                <StateBadge state={e.result} />
                {e.suppressed && <span class="muted"> ×{e.suppressed}</span>}
              </td>
              <td>{e.code ?? '—'}</td>
              <td class="muted">
                {e.transport} {e.client}
              </td>
            </tr>
          ))}
        </DataTable>
      )}
    </section>
  );
}
