import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import type { LogLine, LogsOutput } from '../../shared/schemas/containers.js';
import type { ClientApi, SubscriptionCallbacks } from '../client/api.js';
import { errorOf } from '../client/errors.js';

/** Lines kept in the page; older ones go first. */
const KEEP = 5000;
const TAILS = [100, 500, 1000, 5000];

interface Line {
  n: number;
  stream: 'stdout' | 'stderr';
  text: string;
  timestamp?: string | undefined;
  open: boolean;
}

/** Appends a line or the next piece of one (Docker cuts lines at 16 KiB; output without a newline yet). */
function append(lines: Line[], incoming: LogLine[], next: { n: number }): Line[] {
  const out = lines.slice();
  for (const l of incoming) {
    const last = out[out.length - 1];
    if (last && last.open && last.stream === l.stream) out[out.length - 1] = { ...last, text: last.text + l.text, open: l.partial === true };
    else out.push({ n: next.n++, stream: l.stream, text: l.text, timestamp: l.timestamp, open: l.partial === true });
  }
  return out.length > KEEP ? out.slice(out.length - KEEP) : out;
}

function Highlight({ text, needle }: { text: string; needle: string }) {
  if (!needle) return <>{text}</>;
  const at = text.toLowerCase().indexOf(needle.toLowerCase());
  if (at < 0) return <>{text}</>;
  return (
    <>
      {text.slice(0, at)}
      <mark>{text.slice(at, at + needle.length)}</mark>
      {text.slice(at + needle.length)}
    </>
  );
}

/** Where a log comes from: a container's, or a swarm service's (every task's lines). */
export interface LogSource {
  /** Names the log: another key is another log. */
  key: string;
  read(tail: number): Promise<Pick<LogsOutput, 'lines' | 'truncated'>>;
  follow(tail: number, onLine: (line: LogLine) => void, callbacks: SubscriptionCallbacks): () => void;
}

export function containerLog(client: ClientApi, id: string, host: string): LogSource {
  return {
    key: `container ${host} ${id}`,
    read: (tail) => client.containers.logs({ id, host, tail }),
    follow: (tail, onLine, callbacks) => client.containers.followLogs({ id, host, tail }, onLine, callbacks),
  };
}

export function serviceLog(client: ClientApi, service: string, host: string): LogSource {
  return {
    key: `service ${host} ${service}`,
    read: (tail) => client.swarm.logs({ service, host, tail }),
    // A `{ daemonError }` notice (part of the log could not be read) is no line of the log.
    follow: (tail, onLine, callbacks) =>
      client.swarm.followLogs({ service, host, tail }, (event) => ('stream' in event ? onLine(event) : undefined), callbacks),
  };
}

/**
 * The last lines of a log, optionally followed live; stderr marked in words, search within what
 * is loaded. `canFollow`: there is something to follow (a running container).
 */
export function LogView({ source, canFollow, title = 'Logs' }: { source: LogSource; canFollow: boolean; title?: string }) {
  const { key } = source;
  const sourceRef = useRef(source);
  sourceRef.current = source;
  const [tail, setTail] = useState(100);
  const [follow, setFollow] = useState(false);
  const [lines, setLines] = useState<Line[]>([]);
  const [search, setSearch] = useState('');
  const [status, setStatus] = useState('');
  const box = useRef<HTMLDivElement>(null);
  const pinned = useRef(true);

  useEffect(() => {
    const counter = { n: 1 };
    setLines([]);
    if (!follow) {
      let current = true;
      setStatus('Loading…');
      sourceRef.current.read(tail).then(
        (answer) => {
          if (!current) return;
          setLines(append([], answer.lines, counter));
          setStatus(answer.truncated ? `Last ${answer.lines.length} lines (older ones left out)` : `${answer.lines.length} lines`);
        },
        (err: unknown) => {
          if (!current) return;
          const { code, message } = errorOf(err);
          setStatus(`${code}: ${message}`);
        },
      );
      return () => {
        current = false;
      };
    }
    setStatus('Opening…');
    // Lines arrive faster than a screen refreshes: gather them and render once a frame.
    let batch: LogLine[] = [];
    let frame = 0;
    const flush = () => {
      frame = 0;
      const taken = batch;
      batch = [];
      setLines((l) => append(l, taken, counter));
    };
    const stop = sourceRef.current.follow(
      tail,
      (line) => {
        batch.push(line);
        frame ||= requestAnimationFrame(flush);
      },
      {
        onReady: () => setStatus('Following'),
        onDropped: (count) => setStatus(`Following; ${count} lines skipped: the page fell behind`),
        onEnd: (err) => {
          if (err) {
            const { code, message } = errorOf(err);
            setStatus(`Stopped following: ${code}: ${message}`);
          } else setStatus('The log ended');
        },
      },
    );
    return () => {
      cancelAnimationFrame(frame);
      stop();
    };
  }, [key, tail, follow]);

  useEffect(() => {
    const el = box.current;
    if (el && pinned.current) el.scrollTop = el.scrollHeight;
  }, [lines]);

  const shown = useMemo(
    () => (search ? lines.filter((l) => l.text.toLowerCase().includes(search.toLowerCase())) : lines),
    [lines, search],
  );

  return (
    <section class="panel" aria-labelledby="logs-title">
      <div class="toolbar">
        <h3 id="logs-title">{title}</h3>
        <label class="filter">
          <span>Last</span>
          <select value={String(tail)} onChange={(e) => setTail(Number((e.currentTarget as HTMLSelectElement).value))}>
            {TAILS.map((t) => (
              <option key={t} value={String(t)}>
                {t} lines
              </option>
            ))}
          </select>
        </label>
        <label class="check">
          <input type="checkbox" checked={follow} disabled={!canFollow && !follow} onChange={(e) => setFollow((e.currentTarget as HTMLInputElement).checked)} />
          Follow
        </label>
        <label class="filter search">
          <span>Search loaded lines</span>
          <input type="search" value={search} onInput={(e) => setSearch((e.currentTarget as HTMLInputElement).value)} />
        </label>
        <span class="muted" role="status" data-log-status>
          {status}
          {search && ` · ${shown.length} matching`}
        </span>
      </div>
      <div
        class="log"
        ref={box}
        tabIndex={0}
        aria-label="Log lines"
        onScroll={(e) => {
          const el = e.currentTarget as HTMLDivElement;
          pinned.current = el.scrollTop + el.clientHeight >= el.scrollHeight - 8;
        }}
      >
        {shown.map((l) => (
          <div key={l.n} class={`line ${l.stream}`}>
            <span class="stream">{l.stream === 'stderr' ? 'err' : 'out'}</span>
            <Highlight text={l.text} needle={search} />
          </div>
        ))}
      </div>
    </section>
  );
}
