import { spawnSync } from 'node:child_process';
import type { Manager } from '../../src/main/create-manager.js';

/** One sample of a Prometheus text exposition, e.g. `lucid_docker_up 1`. */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

export function parseSamples(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = LINE.exec(line);
    if (!match) throw new Error(`not a sample line: ${line}`);
    const labels = Object.fromEntries([...(match[2] ?? '').matchAll(LABEL)].map((m) => [m[1], m[2]]));
    samples.push({ name: match[1] as string, labels, value: Number(match[3]) });
  }
  return samples;
}

/** The value of the one sample matching name and labels; undefined when absent. */
export function sampleValue(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  return parseSamples(text).find(
    (s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
  )?.value;
}

/** Sum over every sample of `name` whose labels include `labels`. */
export function sampleSum(text: string, name: string, labels: Record<string, string> = {}): number {
  return parseSamples(text)
    .filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
    .reduce((sum, s) => sum + s.value, 0);
}

/** Polls `probe` until it returns true; the elapsed milliseconds, or an error after `timeoutMs`. */
/** Runs `promtool check metrics` on an exposition: its exit status and every line it printed. */
export function promtoolCheck(exposition: string): { status: number | null; problems: string[] } {
  const run = spawnSync('promtool', ['check', 'metrics'], { input: exposition, encoding: 'utf8' });
  if (run.error) throw new Error(`promtool is missing (run scripts/test-engine.sh): ${run.error.message}`);
  const problems = `${run.stdout}${run.stderr}`.split('\n').filter((line) => line.trim() !== '');
  return { status: run.status, problems };
}

/**
 * Docker calls the manager has completed, read from its registry rather than from a scrape: a
 * scrape may answer before the list call it started has finished.
 */
export async function dockerCallCount(manager: Manager, operation: string): Promise<number> {
  const metric = manager.metrics.registry.getSingleMetric('docker_operations_total');
  if (!metric) throw new Error('docker_operations_total is not registered');
  const { values } = await metric.get();
  return values.filter((v) => v.labels['operation'] === operation).reduce((sum, v) => sum + v.value, 0);
}
