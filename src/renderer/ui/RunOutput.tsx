import { useEffect, useRef, useState } from 'preact/hooks';
import type { ComposeOutputEvent, ComposeRunOutput } from '../../shared/schemas/compose.js';
import { errorOf } from '../client/errors.js';
import { useDashboard } from './context.js';

/** A command the manager runs with its output streaming: compose up / down, stack deploy / remove. */
export interface Run {
  /** What runs, e.g. "compose up shop" or "stack deploy shop". */
  title: string;
  lines: ComposeOutputEvent[];
  /** Set once it ended: how. */
  outcome?: string;
}

function outcomeOf(result: ComposeRunOutput): string {
  return result.ok ? `done in ${(result.durationMs / 1000).toFixed(1)} s` : `failed (exit code ${result.exitCode})`;
}

export interface Runner {
  run: Run | undefined;
  /** One run at a time: the buttons that start one are disabled meanwhile. */
  running: boolean;
  /** Runs `call`, its lines shown as they arrive; a refusal is also a notice titled `title`. */
  execute(title: string, call: (onLine: (line: ComposeOutputEvent) => void) => Promise<ComposeRunOutput>): Promise<void>;
}

/** The state of the last streamed run of a view, shown by `RunOutput`. */
export function useRun(): Runner {
  const ctx = useDashboard();
  const [run, setRun] = useState<Run | undefined>();
  const execute: Runner['execute'] = async (title, call) => {
    setRun({ title, lines: [] });
    try {
      const result = await call((line) => setRun((r) => r && { ...r, lines: [...r.lines, line] }));
      setRun((r) => r && { ...r, outcome: outcomeOf(result) });
    } catch (err) {
      const { code, message } = errorOf(err);
      ctx.notify({ kind: 'error', title, code, message });
      setRun((r) => r && { ...r, outcome: `${code}: ${message}` });
    }
  };
  return { run, running: run !== undefined && run.outcome === undefined, execute };
}

/** The output of a run as it prints, kept scrolled to its end. */
export function RunOutput({ run }: { run: Run | undefined }) {
  const out = useRef<HTMLPreElement>(null);
  useEffect(() => {
    if (out.current) out.current.scrollTop = out.current.scrollHeight;
  }, [run]);
  if (!run) return null;
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
