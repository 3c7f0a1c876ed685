import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { statusText } from '../../src/renderer/state/status-text.js';

describe("the dashboard's status text", () => {
  const started = '2026-12-07T10:00:00.000Z';
  const at = (seconds: number) => Date.parse(started) + seconds * 1000;

  it('counts the uptime of a running container from its start, as time passes', () => {
    const c = { state: 'running' as const, status: 'Up 3 seconds', startedAt: started, health: 'none' as const };
    assert.equal(statusText(c, at(3)), 'Up 3 seconds');
    assert.equal(statusText(c, at(7200)), 'Up 2 hours', 'not the text of its last change');
    assert.equal(statusText({ ...c, health: 'healthy' }, at(30)), 'Up 30 seconds (healthy)');
    assert.equal(statusText({ ...c, health: 'starting' }, at(1)), 'Up 1 second (health: starting)');
  });

  it("keeps Docker's own words when it cannot count: stopped, or no start time in the answer", () => {
    assert.equal(statusText({ state: 'exited', status: 'Exited (0) 2 minutes ago', startedAt: started, health: 'none' }, at(9)), 'Exited (0) 2 minutes ago');
    assert.equal(statusText({ state: 'running', status: 'Up 4 hours', startedAt: null, health: 'none' }, at(9)), 'Up 4 hours');
  });
});
