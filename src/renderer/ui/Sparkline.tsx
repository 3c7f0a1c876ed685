import { useEffect, useRef, useState } from 'preact/hooks';
import uPlot from 'uplot';
import type { Series, StatsHistory } from '../state/stats-history.js';
import { bytes } from './format.js';
import { whenVisible } from './visible.js';

export type Figure = 'cpu' | 'memory';

const WIDTH = 72;
const HEIGHT = 22;

const FIGURES: Record<Figure, { label: string; stroke: string; format(v: number): string; floor: number }> = {
  cpu: { label: 'CPU', stroke: '#3b82f6', format: (v) => `${v.toFixed(1)} %`, floor: 1 },
  memory: { label: 'Memory', stroke: '#a855f7', format: bytes, floor: 1024 * 1024 },
};

/** A chart without axes, legend or cursor: the shape of the last minutes, its figure written beside it. */
function sparkline(el: HTMLElement, figure: Figure): uPlot {
  const f = FIGURES[figure];
  return new uPlot(
    {
      width: WIDTH,
      height: HEIGHT,
      padding: [2, 0, 2, 0],
      cursor: { show: false },
      legend: { show: false },
      select: { show: false, left: 0, top: 0, width: 0, height: 0 },
      axes: [{ show: false }, { show: false }],
      // From zero, with headroom: a steady figure draws a level line below the top, not along it.
      scales: { x: { time: false }, y: { range: (_u, _min, max) => [0, Math.max(max * 1.2, f.floor)] } },
      series: [{}, { stroke: f.stroke, width: 1.5, fill: `${f.stroke}26`, points: { show: false } }],
    },
    [[], []],
    el,
  );
}

const valuesOf = (series: Series, figure: Figure) => (figure === 'cpu' ? series.cpu : series.memory);

/**
 * One container's CPU or memory over the last minutes, live from the batch stream. Drawn only
 * while on screen; `data-points` says how many samples it holds (what tests read).
 */
export function Sparkline({ id, name, figure, history }: { id: string; name: string; figure: Figure; history: StatsHistory }) {
  const box = useRef<HTMLSpanElement>(null);
  const [visible, setVisible] = useState(false);
  const [last, setLast] = useState<{ value: number; points: number } | undefined>();

  useEffect(() => (box.current ? whenVisible(box.current, setVisible) : undefined), []);

  useEffect(() => {
    const el = box.current;
    if (!visible || !el) return;
    const plot = sparkline(el, figure);
    const draw = (series: Series) => {
      const values = valuesOf(series, figure);
      plot.setData([series.t, values]);
      setLast({ value: values[values.length - 1] as number, points: values.length });
    };
    const known = history.get(id);
    if (known) draw(known);
    const stop = history.listen(id, draw);
    return () => {
      stop();
      plot.destroy();
    };
  }, [visible, id, figure, history]);

  const f = FIGURES[figure];
  const text = last ? f.format(last.value) : '…';
  return (
    <span class="spark" data-chart={figure} data-points={last?.points ?? 0} role="img" aria-label={`${f.label} of ${name}: ${last ? text : 'no sample yet'}`}>
      <span ref={box} class="spark-plot" />
      <span class="spark-value" aria-hidden="true">
        {text}
      </span>
    </span>
  );
}
