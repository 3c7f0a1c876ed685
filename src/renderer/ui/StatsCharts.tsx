import { useEffect, useRef, useState } from 'preact/hooks';
import uPlot from 'uplot';
import type { ContainerStats } from '../../shared/schemas/containers.js';
import { errorOf } from '../client/errors.js';
import { useDashboard } from './context.js';
import { bytes } from './format.js';

/** About five minutes at the daemon's one sample a second. */
const KEEP = 300;

function chart(el: HTMLElement, label: string, stroke: string, format: (v: number) => string): uPlot {
  return new uPlot(
    {
      width: Math.max(280, el.clientWidth),
      height: 160,
      series: [{}, { label, stroke, width: 2, fill: `${stroke}22`, value: (_u, v) => (v == null ? '—' : format(v)) }],
      axes: [
        { stroke: 'currentColor', grid: { stroke: 'rgba(128,128,128,0.2)' } },
        { stroke: 'currentColor', grid: { stroke: 'rgba(128,128,128,0.2)' }, values: (_u, vals) => vals.map(format), size: 70 },
      ],
      // At least a minute wide: a first sample alone would otherwise span years.
      scales: { x: { time: true, range: (_u, min, max) => [Math.min(min, max - 60), max] }, y: { range: (_u, _min, max) => [0, Math.max(max, label.startsWith('CPU') ? 1 : 1024 * 1024)] } },
      legend: { live: true },
    },
    [[], []],
    el,
  );
}

/** CPU and memory of a running container from its live stats stream, over the last minutes. */
export function StatsCharts({ id, host, running }: { id: string; host: string; running: boolean }) {
  const { client } = useDashboard();
  const cpuEl = useRef<HTMLDivElement>(null);
  const memEl = useRef<HTMLDivElement>(null);
  const [latest, setLatest] = useState<ContainerStats | undefined>();
  const [status, setStatus] = useState('');

  useEffect(() => {
    if (!running || !cpuEl.current || !memEl.current) {
      setStatus(running ? '' : 'Not running: no live figures.');
      return;
    }
    const cpu = chart(cpuEl.current, 'CPU %', '#3b82f6', (v) => `${v.toFixed(1)} %`);
    const mem = chart(memEl.current, 'Memory', '#a855f7', bytes);
    const t: number[] = [];
    const c: number[] = [];
    const m: number[] = [];
    setStatus('Waiting for the first sample…');
    const stop = client.containers.watchStats(
      { id, host },
      (s) => {
        t.push(Date.parse(s.timestamp) / 1000);
        c.push(s.cpuPercent);
        m.push(s.memoryUsageBytes);
        if (t.length > KEEP) [t, c, m].forEach((a) => a.shift());
        cpu.setData([t, c]);
        mem.setData([t, m]);
        setLatest(s);
        setStatus('');
      },
      (err) => setStatus(err ? `Stats ended: ${errorOf(err).code}: ${errorOf(err).message}` : 'Stats ended: the container stopped.'),
    );
    const resize = () => {
      for (const [plot, el] of [[cpu, cpuEl.current], [mem, memEl.current]] as const) if (el) plot.setSize({ width: el.clientWidth, height: 160 });
    };
    window.addEventListener('resize', resize);
    return () => {
      window.removeEventListener('resize', resize);
      stop();
      cpu.destroy();
      mem.destroy();
    };
  }, [client, id, host, running]);

  return (
    <section class="panel" aria-labelledby="stats-title">
      <div class="toolbar">
        <h3 id="stats-title">Stats</h3>
        {latest && (
          <span class="muted">
            CPU {latest.cpuPercent.toFixed(1)} % · memory {bytes(latest.memoryUsageBytes)} of {bytes(latest.memoryLimitBytes)} · {latest.pids} processes
          </span>
        )}
        <span class="muted" role="status">
          {status}
        </span>
      </div>
      <div class="charts">
        <div ref={cpuEl} class="chart" aria-label="CPU usage over the last minutes" role="img" />
        <div ref={memEl} class="chart" aria-label="Memory usage over the last minutes" role="img" />
      </div>
    </section>
  );
}
