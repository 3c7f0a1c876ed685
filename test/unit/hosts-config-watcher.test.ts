import assert from 'node:assert/strict';
import { renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { HostsConfig } from '../../src/main/config/host-spec.js';
import { loadHostsConfig } from '../../src/main/config/hosts-config.js';
import { HostsConfigWatcher } from '../../src/main/config/hosts-watcher.js';
import type { LucidError } from '../../src/shared/errors.js';
import { sleep } from '../support/sleep.js';
import { tempDir } from '../support/temp.js';

const context = { homeDir: '/nonexistent', userName: 'op' };
const hostsText = (...names: string[]) => `hosts:\n${names.map((n) => `  - {name: ${n}, url: "unix:///run/${n}.sock"}\n`).join('')}`;

function setup(debounceMs = 50): { file: string; watcher: HostsConfigWatcher; next: () => Promise<HostsConfig | LucidError> } {
  const file = join(tempDir('lucid-hosts-watch-'), 'hosts.yml');
  writeFileSync(file, hostsText('a'));
  const watcher = new HostsConfigWatcher(file, (path) => loadHostsConfig(path, context), { debounceMs });
  /** The next change or error; the deadline only keeps a broken watcher from hanging the run. */
  const next = () =>
    new Promise<HostsConfig | LucidError>((resolve, reject) => {
      const deadline = setTimeout(() => reject(new Error('the watcher reported nothing within 10 s')), 10_000);
      const done = (value: HostsConfig | LucidError) => {
        clearTimeout(deadline);
        offChange();
        offError();
        resolve(value);
      };
      const offChange = watcher.onChange(done);
      const offError = watcher.onError(done);
    });
  return { file, watcher, next };
}

const names = (config: HostsConfig | LucidError) => ('hosts' in config ? config.hosts.map((h) => h.name) : config.message);

describe('hosts file watcher', () => {
  it('reports the new hosts when the file changes', async (t) => {
    const { file, watcher, next } = setup();
    t.after(() => watcher.close());
    assert.deepEqual(names(watcher.current()), ['a']);
    const changed = next();
    writeFileSync(file, hostsText('a', 'b'));
    assert.deepEqual(names(await changed), ['a', 'b']);
    assert.deepEqual(names(watcher.current()), ['a', 'b']);
  });

  it('keeps the hosts in force on a bad edit, says what is wrong, and takes the fixed file', async (t) => {
    const { file, watcher, next } = setup();
    t.after(() => watcher.close());
    const failed = next();
    writeFileSync(file, hostsText('a', 'a'));
    const error = await failed;
    assert.ok(!('hosts' in error));
    assert.equal(error.code, 'VALIDATION_FAILED');
    assert.equal(error.message, `${file}: hosts.1.name: duplicate host "a"`);
    assert.deepEqual(names(watcher.current()), ['a']);
    const fixed = next();
    writeFileSync(file, hostsText('c'));
    assert.deepEqual(names(await fixed), ['c']);
  });

  it('follows a file replaced by a rename, more than once', async (t) => {
    const { file, watcher, next } = setup();
    t.after(() => watcher.close());
    for (const name of ['b', 'c']) {
      const changed = next();
      const temp = join(file, '..', `.hosts.yml.${name}.swp`);
      writeFileSync(temp, hostsText(name));
      renameSync(temp, file);
      assert.deepEqual(names(await changed), [name]);
    }
  });

  it('reports nothing when the file is rewritten with the same hosts', async (t) => {
    const { file, watcher, next } = setup();
    t.after(() => watcher.close());
    const reported = next();
    writeFileSync(file, `# same hosts, another comment\n${hostsText('a')}`);
    writeFileSync(join(file, '..', 'other.txt'), 'an unrelated file in the folder');
    await sleep(500);
    writeFileSync(file, hostsText('z'));
    assert.deepEqual(names(await reported), ['z'], 'the first report is the real change');
  });

  it('reloads on request, answering what it found, and reports a problem each time it is asked', (t) => {
    const { file, watcher } = setup(3_600_000);
    t.after(() => watcher.close());
    const seen: string[] = [];
    watcher.onChange((config) => seen.push(`change ${String(names(config))}`));
    watcher.onError((error) => seen.push(`error ${error.message}`));
    assert.deepEqual(watcher.reload(), { state: 'unchanged' });
    writeFileSync(file, hostsText('b'));
    const changed = watcher.reload();
    assert.equal(changed.state, 'changed');
    writeFileSync(file, 'hosts: [\n');
    assert.equal(watcher.reload().state, 'invalid');
    assert.equal(watcher.reload().state, 'invalid');
    assert.deepEqual(names(watcher.current()), ['b']);
    assert.deepEqual(seen, [
      'change b',
      `error ${file}: invalid YAML at line 2, column 1: Flow sequence in block collection must be sufficiently indented and end with a ]`,
      `error ${file}: invalid YAML at line 2, column 1: Flow sequence in block collection must be sufficiently indented and end with a ]`,
    ]);
  });

  it('stops at close()', async () => {
    const { file, watcher } = setup();
    const seen: string[] = [];
    watcher.onChange(() => seen.push('change'));
    watcher.onError(() => seen.push('error'));
    watcher.close();
    writeFileSync(file, hostsText('b'));
    await sleep(500);
    assert.deepEqual(seen, []);
    assert.deepEqual(watcher.reload(), { state: 'unchanged' });
    assert.deepEqual(names(watcher.current()), ['a']);
  });

  it('refuses to start on a bad file, as any start does', () => {
    const file = join(tempDir('lucid-hosts-watch-'), 'hosts.yml');
    writeFileSync(file, 'hosts: []\n');
    assert.throws(() => new HostsConfigWatcher(file, (path) => loadHostsConfig(path, context)), /hosts: must list at least one host/);
  });
});
