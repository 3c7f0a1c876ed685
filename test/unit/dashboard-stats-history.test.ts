import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { StatsHistory } from '../../src/renderer/state/stats-history.js';
import type { BatchStats } from '../../src/shared/schemas/live.js';

/** A batch of samples `[id, seconds, cpu]` as stats.watch sends them. */
function batch(samples: [string, number, number][]): BatchStats {
  return {
    running: samples.length,
    hosts: [],
    stats: samples.map(([id, seconds, cpu]) => ({
      id,
      name: id,
      host: 'local',
      cpuPercent: cpu,
      cpuWindowSeconds: 1,
      memoryUsageBytes: cpu * 1000,
      memoryLimitBytes: 1e9,
      memoryPercent: 0,
      networkRxBytes: 0,
      networkTxBytes: 0,
      blockReadBytes: 0,
      blockWriteBytes: 0,
      pids: 1,
      timestamp: new Date(seconds * 1000).toISOString(),
    })),
  };
}

describe("the dashboard's stats history", () => {
  it('adds one point per new sample, tells only the listeners of containers that got one, and keeps five minutes', () => {
    const history = new StatsHistory();
    const heard: string[] = [];
    const stop = history.listen('a', (s) => heard.push(`a:${s.cpu.length}`));
    history.listen('b', (s) => heard.push(`b:${s.cpu.length}`));
    history.add(batch([['a', 1000, 1], ['b', 1000, 2]]));
    // The same sample again (no new one from the daemon since the last batch): no point, no call.
    history.add(batch([['a', 1000, 1], ['b', 1002, 3]]));
    assert.deepEqual(heard, ['a:1', 'b:1', 'b:2']);
    assert.deepEqual(history.get('b')?.cpu, [2, 3]);
    assert.deepEqual(history.get('b')?.memory, [2000, 3000]);
    stop();
    history.add(batch([['a', 1004, 5]]));
    assert.deepEqual(heard, ['a:1', 'b:1', 'b:2'], 'an unsubscribed listener hears nothing');

    for (let i = 0; i < 200; i++) history.add(batch([['a', 2000 + i * 2, i]]));
    assert.equal(history.get('a')?.t.length, 150, 'bounded');
    assert.equal(history.get('a')?.cpu.at(-1), 199);
    assert.equal(history.get('b'), undefined, 'a container without a sample for five minutes is forgotten');
  });
});
