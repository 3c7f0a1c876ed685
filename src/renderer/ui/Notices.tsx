import type { Notice } from './context.js';

/** Refusals and failures, with the manager's code and message; announced to screen readers. */
export function Notices({ notices, dismiss }: { notices: Notice[]; dismiss(id: number): void }) {
  return (
    <div class="notices" role="alert" aria-live="assertive">
      {notices.map((n) => (
        <div key={n.id} class={`notice ${n.kind}`} data-code={n.code ?? ''}>
          <strong>{n.title}</strong>
          {n.code && <code class="code">{n.code}</code>}
          <span>{n.message}</span>
          <button type="button" class="quiet" aria-label={`Dismiss: ${n.title}`} onClick={() => dismiss(n.id)}>
            ×
          </button>
        </div>
      ))}
    </div>
  );
}
