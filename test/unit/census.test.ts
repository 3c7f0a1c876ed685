import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ContainerCensus, countContainers, type CensusItem } from '../../src/main/metrics/census.js';
import { sleep } from '../support/sleep.js';

const item = (state: CensusItem['state'], health: CensusItem['health'] = 'none', group: string | null = null): CensusItem => ({
  state,
  health,
  group,
});

const GROUPS = new Set(['foundation', 'core', 'application', 'support']);

describe('container counts for the metrics', () => {
  it('counts by state and counts running, healthy-or-unchecked containers per known group', () => {
    const counts = countContainers([
      item('running', 'healthy', 'core'),
      item('running', 'none', 'core'),
      item('running', 'unhealthy', 'core'),
      item('running', 'starting', 'core'),
      item('exited', 'none', 'core'),
      item('running', 'healthy', 'support'),
      item('running', 'healthy', 'made-up-group'),
      item('running', 'healthy', null),
      item('created'),
    ], GROUPS);
    assert.deepEqual(counts.byState, { running: 7, exited: 1, created: 1 });
    assert.deepEqual(counts.healthyByGroup, { core: 2, support: 1 });
  });
});

describe('ContainerCensus', () => {
  const never = () => new Promise<CensusItem[]>(() => undefined);

  it('asks once for concurrent scrapes and reuses a fresh answer', async () => {
    let calls = 0;
    const census = new ContainerCensus(async () => {
      calls++;
      await sleep(20);
      return [item('running')];
    }, []);
    const results = await Promise.all([census.counts(), census.counts(), census.counts()]);
    assert.equal(calls, 1);
    for (const r of results) assert.deepEqual(r?.byState, { running: 1 });
    await census.counts();
    assert.equal(calls, 1, 'younger than maxAgeMs: no second call');
  });

  it('answers with the previous counts when Docker is slow, and keeps the fresh ones for later', async () => {
    let answer: (list: CensusItem[]) => void = () => undefined;
    let calls = 0;
    const census = new ContainerCensus(
      () => {
        calls++;
        if (calls === 1) return Promise.resolve([item('running')]);
        return new Promise((resolve) => (answer = resolve));
      },
      [],
      { maxAgeMs: 0, waitMs: 10, firstWaitMs: 1000 },
    );
    assert.deepEqual((await census.counts())?.byState, { running: 1 });
    assert.deepEqual((await census.counts())?.byState, { running: 1 }, 'stale but immediate');
    answer([item('exited'), item('exited')]);
    await new Promise((r) => setImmediate(r));
    assert.deepEqual((await census.counts())?.byState, { exited: 2 });
  });

  it('gives up on the first scrape after its budget, and survives a failing list', async () => {
    assert.equal(await new ContainerCensus(never, [], { maxAgeMs: 0, waitMs: 1, firstWaitMs: 10 }).counts(), undefined);
    const failing = new ContainerCensus(() => Promise.reject(new Error('down')), []);
    assert.equal(await failing.counts(), undefined);
  });
});
