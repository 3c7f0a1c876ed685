import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { rawContainerInspectSchema, type RawContainerInspect } from '../../src/main/docker/answers.js';
import type { ContainerCache } from '../../src/main/state/container-cache.js';
import { jsonBodyOf, markReusable } from '../../src/main/state/json-cache.js';
import { ListAnswers } from '../../src/main/state/list-answers.js';

function raw(id: string, status: string, created: string, labels: Record<string, string> = {}): RawContainerInspect {
  return rawContainerInspectSchema.parse({
    Id: id.repeat(64).slice(0, 64),
    Name: `/c-${id}`,
    Created: created,
    State: { Status: status, StartedAt: '2026-01-01T00:00:00Z', FinishedAt: '0001-01-01T00:00:00Z', ExitCode: 0 },
    Config: { Image: 'img', Labels: labels },
  });
}

/** Just what ListAnswers reads of the snapshot. */
function fakeCache(records: RawContainerInspect[]) {
  const cache = { version: 1, all: () => records.values() };
  return cache as unknown as ContainerCache & { version: number };
}

describe('ListAnswers', () => {
  const records = [
    raw('a', 'running', '2026-01-01T00:00:00.5Z', { 'lucid.service.group': 'core' }),
    raw('b', 'exited', '2026-01-01T00:00:00.123456789Z'),
    raw('c', 'paused', '2026-01-02T00:00:00Z'),
    raw('d', 'created', '2025-12-31T00:00:00Z'),
  ];
  const groupOf = { host: 'local', groupOf: (c: { labels: Record<string, string> }) => c.labels['lucid.service.group'] ?? null };
  const now = Date.parse('2026-01-03T00:00:00Z');

  it('lists newest first, as Docker does (nanosecond times of different lengths included)', () => {
    const answer = new ListAnswers(fakeCache(records), groupOf).get({ all: true }, now);
    assert.deepEqual(answer.containers.map((c) => c.name), ['c-c', 'c-a', 'c-b', 'c-d']);
    assert.equal(answer.total, 4);
  });

  it('filters like Docker: all=false keeps running, paused and restarting; a state filter implies all', () => {
    const answers = new ListAnswers(fakeCache(records), groupOf);
    assert.deepEqual(answers.get({ all: false }, now).containers.map((c) => c.name), ['c-c', 'c-a']);
    assert.deepEqual(answers.get({ all: false, state: 'created' }, now).containers.map((c) => c.name), ['c-d']);
    assert.deepEqual(answers.get({ all: true, group: 'core' }, now).containers.map((c) => c.name), ['c-a']);
  });

  it('hands out the same answer object until the snapshot changes or the second turns', () => {
    const cache = fakeCache(records);
    const answers = new ListAnswers(cache, groupOf);
    const first = answers.get({ all: true }, now);
    assert.equal(answers.get({ all: true }, now + 999), first);
    assert.notEqual(answers.get({ all: true }, now + 1000), first, 'status text follows the clock');
    const again = answers.get({ all: true }, now + 1000);
    cache.version++;
    assert.notEqual(answers.get({ all: true }, now + 1000), again, 'a snapshot change makes a new answer');
  });

  it('renders status text at answer time', () => {
    const answers = new ListAnswers(fakeCache(records), groupOf);
    const status = (t: number) => answers.get({ all: true }, t).containers.find((c) => c.name === 'c-a')?.status;
    assert.equal(status(Date.parse('2026-01-01T00:00:05Z')), 'Up 5 seconds');
    assert.equal(status(Date.parse('2026-01-01T03:00:00Z')), 'Up 3 hours');
  });
});

describe('jsonBodyOf', () => {
  it('serialises and encodes a reusable answer once', () => {
    const answer = markReusable({ items: [1, 2] });
    const body = jsonBodyOf(answer);
    answer.items.push(3);
    assert.equal(jsonBodyOf(answer), body, 'the same bytes are served (producers never mutate a marked answer)');
    assert.equal(body.toString('utf8'), '{"items":[1,2]}');
    assert.equal(jsonBodyOf({ items: ['é'] }).toString('utf8'), '{"items":["é"]}', 'anything else is serialised each time');
  });
});
