import { useEffect, useRef } from 'preact/hooks';
import type { ComposeOutputEvent, ComposeRunOutput } from '../../shared/schemas/compose.js';

/** A command the manager runs with its output streaming: compose up / down, stack deploy / remove. */
export interface Run {
  /** What runs, e.g. "compose up shop" or "stack deploy shop". */
  title: string;
  lines: ComposeOutputEvent[];
  /** Set once it ended: how. */
  outcome?: string;
}

export function outcomeOf(result: ComposeRunOutput): string {
  return result.ok ? `done in ${(result.durationMs / 1000).toFixed(1)} s` : `failed (exit code ${result.exitCode})`;
}

/** The output of a run as it prints, kept scrolled to its end. */
export function RunOutput({ run }: { run: Run }) {
  const out = useRef<HTMLPreElement>(null);
  useEffect(() => {
    if (out.current) out.current.scrollTop = out.current.scrollHeight;
  }, [run]);
  return (
    <section class="panel" aria-label={`${run.title} output`}>
      <h3>
        {run.title}: <span role="status" data-run-outcome={run.outcome ? 'done' : 'running'}>{run.outcome ?? 'running…'}</span>
      </h3>
      <pre class="log" ref={out} tabIndex={0}>
        {run.lines.map((l, i) => (
          <div key={i} class={`line ${l.stream}`}>
            {l.line}
          </div>
        ))}
      </pre>
    </section>
  );
}
