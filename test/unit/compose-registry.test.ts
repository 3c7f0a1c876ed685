import assert from 'node:assert/strict';
import { chmodSync, chownSync, mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ComposeRegistry, requireUsable } from '../../src/main/compose/registry.js';
import type { GroupConfig } from '../../src/main/config/services-config.js';
import { GroupResolver } from '../../src/main/model/group-membership.js';
import { LucidError } from '../../src/shared/errors.js';
import { removeDir, tempDir, writeFile } from '../support/compose.js';

const FILE = 'services: {}\n';

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof LucidError);
    return err.code;
  }
  return 'resolved';
}

describe('compose project registry', () => {
  let root: string;
  let outside: string;
  let registry: ComposeRegistry;

  before(() => {
    root = tempDir('lucid-registry');
    outside = tempDir('lucid-outside');
    writeFile(join(outside, 'compose.yml'), FILE);
    writeFile(join(root, 'alpha', 'docker-compose.yml'), FILE);
    writeFile(join(root, 'alpha', 'compose.yaml'), FILE);
    writeFile(join(root, 'beta', 'docker-compose.yml'), FILE);
    writeFile(join(root, 'docker-compose.gamma.yml'), FILE);
    writeFile(join(root, 'docker-compose.beta.yml'), FILE);
    writeFile(join(root, 'docker-compose.core.yml'), FILE);
    writeFile(join(root, 'UPPER', 'compose.yml'), FILE);
    writeFile(join(root, 'docker-compose.Bad.yml'), FILE);
    writeFile(join(root, 'notes.yml'), FILE);
    mkdirSync(join(root, 'empty'));
    writeFile(join(root, 'empty', 'readme.txt'), 'no compose file here');
    mkdirSync(join(root, 'escape'));
    symlinkSync(join(outside, 'compose.yml'), join(root, 'escape', 'compose.yml'));
    symlinkSync(outside, join(root, 'linked'));
    symlinkSync(join(outside, 'compose.yml'), join(root, 'docker-compose.sneaky.yml'));
    registry = new ComposeRegistry(root, [
      { name: 'lucid-core', group: 'core', files: ['docker-compose.core.yml'], source: 'config' },
      { name: 'lucid-missing', group: 'support', files: ['docker-compose.support.yml'], source: 'config' },
      { name: 'lucid-escaping', group: 'application', files: ['docker-compose.sneaky.yml'], source: 'config' },
    ]);
  });

  after(() => {
    removeDir(root);
    removeDir(outside);
  });

  it('lists declared projects with their group, then discovered ones as admin-only', async () => {
    const list = await registry.list();
    const byName = new Map(list.map((p) => [p.name, p]));
    assert.deepEqual(
      list.map((p) => p.name),
      ['lucid-core', 'lucid-missing', 'lucid-escaping', 'alpha', 'beta', 'escape', 'gamma', 'linked'],
    );
    assert.deepEqual(byName.get('lucid-core'), {
      name: 'lucid-core',
      group: 'core',
      files: ['docker-compose.core.yml'],
      source: 'config',
      available: true,
      paths: [join(root, 'docker-compose.core.yml')],
    });
    assert.deepEqual(byName.get('alpha')?.files, ['alpha/compose.yaml'], "compose's own preference order");
    assert.deepEqual(byName.get('beta')?.files, ['beta/docker-compose.yml'], 'a folder wins over a file of the same name');
    assert.deepEqual(byName.get('gamma')?.files, ['docker-compose.gamma.yml']);
    for (const name of ['alpha', 'beta', 'gamma']) {
      assert.equal(byName.get(name)?.group, null);
      assert.equal(byName.get(name)?.source, 'discovered');
    }
  });

  it('does not list a file a declared project already uses under a second name', async () => {
    const list = await registry.list();
    assert.equal(list.some((p) => p.name === 'core'), false);
    assert.equal(list.some((p) => p.name === 'sneaky'), false, 'the name is a declared file, not a discovered one');
  });

  it('skips bad names, folders without a compose file and other files', async () => {
    const names = (await registry.list()).map((p) => p.name);
    for (const skipped of ['UPPER', 'Bad', 'empty', 'notes']) assert.equal(names.includes(skipped), false, skipped);
    assert.equal(await codeOf(registry.find('empty')), 'PROJECT_NOT_FOUND');
  });

  it('refuses files whose real path leaves the projects folder', async () => {
    const list = await registry.list();
    for (const name of ['escape', 'linked', 'lucid-escaping']) {
      const entry = list.find((p) => p.name === name);
      assert.ok(entry && !entry.available, name);
      assert.match(entry.available ? '' : entry.problem, /resolves outside the projects folder/);
      assert.equal(await codeOf(registry.find(name).then(requireUsable)), 'PROJECT_NOT_FOUND', name);
    }
  });

  it('reports a declared file that is missing', async () => {
    const entry = await registry.find('lucid-missing');
    assert.deepEqual(entry.available ? undefined : entry.problem, 'docker-compose.support.yml is missing');
    assert.equal(await codeOf(registry.find('lucid-missing').then(requireUsable)), 'PROJECT_NOT_FOUND');
  });

  it('validates names before touching the disk', async () => {
    for (const name of ['../x', 'UPPER', 'a;rm -rf /', 'a'.repeat(200), '', '/etc']) {
      assert.equal(await codeOf(registry.find(name)), 'VALIDATION_FAILED', name);
    }
    assert.equal(await codeOf(registry.find('nothing-here')), 'PROJECT_NOT_FOUND');
  });

  it('keeps declared projects, unusable, when the folder does not exist', async () => {
    const gone = new ComposeRegistry(join(root, 'does-not-exist'), [
      { name: 'lucid-core', group: 'core', files: ['docker-compose.core.yml'], source: 'config' },
    ]);
    const list = await gone.list();
    assert.equal(list.length, 1);
    assert.equal(list[0]?.available, false);
  });
});

describe('compose project registry: files only one project and its owner control', () => {
  let root: string;

  before(() => {
    root = tempDir('lucid-registry-owned');
    writeFile(join(root, 'shared.yml'), FILE);
    writeFile(join(root, 'twice.yml'), FILE);
    writeFile(join(root, 'own', 'compose.yml'), FILE);
    symlinkSync('own/compose.yml', join(root, 'alias.yml'));
    symlinkSync('shared.yml', join(root, 'shared-alias.yml'));
    writeFile(join(root, 'open', 'compose.yml'), FILE);
    chmodSync(join(root, 'open', 'compose.yml'), 0o646);
    writeFile(join(root, 'shared-dir', 'compose.yml'), FILE);
    chmodSync(join(root, 'shared-dir'), 0o775);
    writeFile(join(root, 'stranger', 'compose.yml'), FILE);
    chownSync(join(root, 'stranger', 'compose.yml'), 65534, 65534);
  });

  after(() => removeDir(root));

  const registry = () =>
    new ComposeRegistry(root, [
      { name: 'first', group: 'core', files: ['shared.yml'], source: 'config' },
      { name: 'second', group: 'support', files: ['./shared.yml'], source: 'config' },
      { name: 'via-link', group: 'support', files: ['alias.yml'], source: 'config' },
      { name: 'third', group: 'application', files: ['shared-alias.yml'], source: 'config' },
      { name: 'dup', group: 'core', files: ['twice.yml'], source: 'config' },
      { name: 'dup', group: 'application', files: ['twice.yml'], source: 'config' },
    ]);

  it('refuses a file declared for two project names, however it is spelled', async () => {
    const list = await registry().list();
    for (const [name, other] of [['first', 'second, third'], ['second', 'first, third'], ['third', 'first, second']]) {
      const entry = list.find((p) => p.name === name);
      assert.equal(entry?.available, false, name);
      assert.equal(entry?.available === false && entry.problem, `a file of it is also declared for project ${other}`);
    }
    const viaLink = list.find((p) => p.name === 'via-link');
    const own = list.find((p) => p.name === 'own');
    assert.equal(viaLink?.available, true, 'a symlink inside the folder is fine');
    assert.equal(own, undefined, 'and the file it leads to is not offered again under its folder’s name');
  });

  it('lists a project declared by two groups once, for the first group, and refuses to run it', async () => {
    const list = await registry().list();
    const dup = list.filter((p) => p.name === 'dup');
    assert.equal(dup.length, 1);
    assert.equal(dup[0]?.group, 'core');
    assert.equal(dup[0]?.available === false && dup[0].problem, 'it is declared by groups core and application');
    const resolver = new GroupResolver(
      [
        { name: 'core', phase: 1, members: [], compose: { project: 'dup', files: ['twice.yml'] } },
        { name: 'application', phase: 2, members: [], compose: { project: 'dup', files: ['twice.yml'] } },
      ] as unknown as GroupConfig[],
    );
    assert.equal(resolver.groupOf({ name: 'dup_web_1', labels: { 'com.docker.compose.project': 'dup' }, host: 'local' }), 'core',
      'membership names the same group as the registry');
  });

  it('refuses files and folders others may change: writable by group or others, or owned by a stranger', async () => {
    const list = await registry().list();
    const problem = (name: string) => {
      const entry = list.find((p) => p.name === name);
      return entry?.available === false ? entry.problem : 'usable';
    };
    assert.equal(problem('open'), 'open/compose.yml is writable by group or others');
    assert.equal(problem('shared-dir'), 'the folder shared-dir of shared-dir/compose.yml is writable by group or others');
    assert.equal(problem('stranger'), "stranger/compose.yml is owned by uid 65534, neither root nor the manager's user");
  });

  it('opens a usable project’s files for a run and checks them again then', async () => {
    const reg = new ComposeRegistry(root, [{ name: 'own', group: null, files: ['own/compose.yml'], source: 'config' }]);
    const entry = requireUsable(await reg.find('own'));
    const opened = await reg.open(entry);
    try {
      assert.deepEqual(opened.paths, [join(root, 'own', 'compose.yml')]);
      assert.equal(opened.directory, join(root, 'own'));
      assert.equal((await opened.handles[0]!.readFile('utf8')), FILE);
    } finally {
      await opened.close();
    }
    chmodSync(join(root, 'own'), 0o777);
    try {
      assert.equal(await codeOf(reg.open(entry)), 'PROJECT_NOT_FOUND', 'a folder opened up since the listing');
    } finally {
      chmodSync(join(root, 'own'), 0o755);
    }
  });
});
