import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { HostSpec } from '../../src/main/config/host-spec.js';
import type { EngineHost } from '../../src/main/hosts/engine-host.js';
import { HostRegistry } from '../../src/main/hosts/host-registry.js';
import { sleep } from '../support/sleep.js';

const spec = (name: string, isDefault = false): HostSpec => ({
  name,
  endpoint: { kind: 'unix', socketPath: `/run/${name}.sock` },
  url: `unix:///run/${name}.sock`,
  isDefault,
  access: { read: ['user', 'developer', 'admin'], control: ['developer', 'admin'] },
});

/** Hosts that take a while to close, as one with open streams does; counts what was made. */
function fakeHosts() {
  const made: string[] = [];
  const factory = (definition: HostSpec) => {
    made.push(definition.name);
    return {
      name: definition.name,
      definition,
      onState: () => () => {},
      start: () => {},
      report: () => ({ name: definition.name, state: 'up' }),
      close: () => sleep(30),
    } as unknown as EngineHost;
  };
  return { made, factory };
}

const quiet = { info: () => {}, warn: () => {} };

describe('the host registry', () => {
  it('ends two reloads close together with the later one in force', async () => {
    const { factory } = fakeHosts();
    const registry = new HostRegistry([spec('local', true), spec('pi'), spec('pi2')], factory, quiet);
    const first = registry.apply([spec('local', true), spec('pi'), spec('pi5')]);
    const second = registry.apply([spec('local', true), spec('pi')]);
    await Promise.all([first, second]);
    assert.deepEqual(registry.names(), ['local', 'pi']);
  });

  it('keeps every host when only the default moves', async () => {
    const { made, factory } = fakeHosts();
    const registry = new HostRegistry([spec('local', true), spec('server')], factory, quiet);
    await registry.apply([spec('local'), spec('server', true)]);
    assert.deepEqual(made, ['local', 'server'], 'no host was made again');
    assert.equal(registry.defaultHost(), 'server');
  });

  it('replaces a host whose endpoint changed, and announces the one removed', async () => {
    const { made, factory } = fakeHosts();
    const registry = new HostRegistry([spec('local', true), spec('pi')], factory, quiet);
    const events: string[] = [];
    registry.onHostState((event) => events.push(`${event.host}:${event.state}`));
    await registry.apply([spec('local', true), { ...spec('pi'), endpoint: { kind: 'unix', socketPath: '/run/other.sock' } }]);
    assert.deepEqual(made, ['local', 'pi', 'pi']);
    assert.deepEqual(events, ['pi:down']);
  });
});
