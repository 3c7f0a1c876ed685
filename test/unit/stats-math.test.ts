import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cpuPercent, lifetimeCpuPercent, memoryUsed, rawStatsSchema, statsFigures } from '../../src/main/docker/stats-math.js';

const base = {
  read: '2026-11-28T10:00:10.000Z',
  cpu_stats: { cpu_usage: { total_usage: 3_000_000_000 }, system_cpu_usage: 40_000_000_000, online_cpus: 2 },
  memory_stats: { usage: 100_000_000, limit: 1_000_000_000, stats: { total_inactive_file: 20_000_000 } },
  networks: { eth0: { rx_bytes: 10, tx_bytes: 20 }, eth1: { rx_bytes: 1, tx_bytes: 2 } },
  blkio_stats: { io_service_bytes_recursive: [{ op: 'Read', value: 7 }, { op: 'Write', value: 9 }, { op: 'read', value: 1 }] },
  pids_stats: { current: 4 },
};

describe('stats formulas (docker CLI)', () => {
  it('computes CPU % from the deltas times the online CPUs', () => {
    const previous = { containerUsage: 2_000_000_000, systemUsage: 38_000_000_000, onlineCpus: 2, readAt: 0 };
    const current = { containerUsage: 3_000_000_000, systemUsage: 40_000_000_000, onlineCpus: 2, readAt: 1000 };
    assert.equal(cpuPercent(previous, current), 100);
  });

  it('reports 0 when either delta is not positive', () => {
    const s = { containerUsage: 5, systemUsage: 5, onlineCpus: 2, readAt: 0 };
    assert.equal(cpuPercent(s, { ...s, containerUsage: 6 }), 0);
    assert.equal(cpuPercent(s, { ...s, systemUsage: 6 }), 0);
  });

  it('averages CPU over the lifetime when there is no earlier sample', () => {
    const current = { containerUsage: 5e9, systemUsage: 0, onlineCpus: 2, readAt: 10_000 };
    assert.equal(lifetimeCpuPercent(current, 0), 50);
  });

  it('subtracts total_inactive_file on cgroup v1 and inactive_file on v2', () => {
    const v1 = rawStatsSchema.parse(base);
    assert.equal(memoryUsed(v1), 80_000_000);
    const v2 = rawStatsSchema.parse({ ...base, memory_stats: { usage: 100, limit: 0, stats: { inactive_file: 30 } } });
    assert.equal(memoryUsed(v2), 70);
    const bigger = rawStatsSchema.parse({ ...base, memory_stats: { usage: 10, stats: { inactive_file: 30 } } });
    assert.equal(memoryUsed(bigger), 10);
  });

  it('sums networks and block I/O and guards a zero memory limit', () => {
    const figures = statsFigures(rawStatsSchema.parse(base), undefined, Date.parse('2026-11-28T10:00:00.000Z'));
    assert.equal(figures.networkRxBytes, 11);
    assert.equal(figures.networkTxBytes, 22);
    assert.equal(figures.blockReadBytes, 8);
    assert.equal(figures.blockWriteBytes, 9);
    assert.equal(figures.memoryPercent, 8);
    assert.equal(figures.pids, 4);
    assert.equal(figures.cpuPercent, 30);
    assert.equal(figures.cpuWindowSeconds, 10);
    const noLimit = statsFigures(rawStatsSchema.parse({ ...base, memory_stats: { usage: 5, limit: 0 } }), undefined, 0);
    assert.equal(noLimit.memoryPercent, 0);
  });
});
