import { readdir, realpath, stat } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { LucidError } from '../../shared/errors.js';
import { PROJECT_NAME } from '../../shared/schemas/compose.js';
import type { ServicesConfig } from '../config/services-config.js';

/** The file names compose itself looks for in a folder, in its own order of preference. */
export const COMPOSE_FILE_NAMES = ['compose.yaml', 'compose.yml', 'docker-compose.yaml', 'docker-compose.yml'] as const;
const PHASE_FILE = /^docker-compose\.(.+)\.yml$/;

export interface RegisteredProject {
  name: string;
  /** The service group whose scope controls the project; null means admin-only. */
  group: string | null;
  /** As declared or discovered, relative to the projects folder. */
  files: string[];
  source: 'config' | 'discovered';
}

export type ProjectEntry = RegisteredProject &
  ({ available: true; paths: string[] } | { available: false; problem: string });

export type UsableProject = RegisteredProject & {
  /** Real paths of the files, each checked to lie inside the projects folder. */
  paths: string[];
};

export function isProjectName(name: string): boolean {
  return PROJECT_NAME.test(name);
}

function inside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/**
 * The compose projects a client may name: those the services config declares and those found in
 * the projects folder. Clients only ever name a project; the files behind it come from here and
 * are re-checked on every call, so a symlink planted later cannot lead outside the folder.
 */
export class ComposeRegistry {
  readonly root: string;

  constructor(
    root: string,
    private readonly declared: RegisteredProject[],
  ) {
    this.root = resolve(root);
  }

  static fromConfig(config: ServicesConfig, root: string): ComposeRegistry {
    const declared = config.groups.flatMap((group) =>
      group.compose
        ? [{ name: group.compose.project, group: group.name, files: group.compose.files, source: 'config' as const }]
        : [],
    );
    return new ComposeRegistry(root, declared);
  }

  /** Declared projects first, then discovered ones; a name or file already taken is not listed twice. */
  async list(): Promise<ProjectEntry[]> {
    const root = await realpath(this.root).catch(() => undefined);
    const entries: ProjectEntry[] = [];
    // Files a declared project uses, by name and by real path: discovery must not offer them again
    // under another project name, which would start a second copy of the same containers.
    const claimed = new Set<string>();
    for (const project of this.declared) {
      const entry = await this.check(project, root);
      entries.push(entry);
      project.files.forEach((f) => claimed.add(f));
      if (entry.available) entry.paths.forEach((p) => claimed.add(p));
    }
    if (root === undefined) return entries;
    for (const project of await this.discover(root)) {
      if (entries.some((e) => e.name === project.name) || project.files.some((f) => claimed.has(f))) continue;
      const entry = await this.check(project, root);
      if (entry.available && entry.paths.some((p) => claimed.has(p))) continue;
      entries.push(entry);
    }
    return entries;
  }

  /** The registered project of that name, or PROJECT_NOT_FOUND. */
  async find(name: string): Promise<ProjectEntry> {
    if (!isProjectName(name)) throw new LucidError('VALIDATION_FAILED', 'invalid project name');
    const entry = (await this.list()).find((e) => e.name === name);
    if (!entry) throw new LucidError('PROJECT_NOT_FOUND', `compose project ${name} is not registered`);
    return entry;
  }

  /** Folders holding a compose file, then `docker-compose.<name>.yml` files; a folder wins a name clash. */
  private async discover(root: string): Promise<RegisteredProject[]> {
    const folders: RegisteredProject[] = [];
    const files: RegisteredProject[] = [];
    const dirents = await readdir(root, { withFileTypes: true }).catch(() => []);
    for (const dirent of dirents) {
      const phase = PHASE_FILE.exec(dirent.name);
      if (phase?.[1] !== undefined && isProjectName(phase[1]) && !dirent.isDirectory()) {
        files.push({ name: phase[1], group: null, files: [dirent.name], source: 'discovered' });
        continue;
      }
      if (!isProjectName(dirent.name)) continue;
      for (const file of COMPOSE_FILE_NAMES) {
        if (await exists(join(root, dirent.name, file))) {
          folders.push({ name: dirent.name, group: null, files: [`${dirent.name}/${file}`], source: 'discovered' });
          break;
        }
      }
    }
    const found = [...folders, ...files.filter((f) => !folders.some((d) => d.name === f.name))];
    return found.sort((a, b) => a.name.localeCompare(b.name));
  }

  private async check(project: RegisteredProject, root: string | undefined): Promise<ProjectEntry> {
    if (root === undefined) return { ...project, available: false, problem: 'the projects folder does not exist' };
    const paths: string[] = [];
    for (const file of project.files) {
      const real = await realpath(join(root, file)).catch(() => undefined);
      if (real === undefined) return { ...project, available: false, problem: `${file} is missing` };
      if (!inside(root, real)) {
        return { ...project, available: false, problem: `${file} resolves outside the projects folder` };
      }
      paths.push(real);
    }
    return { ...project, available: true, paths };
  }
}

/** The entry's files, or PROJECT_NOT_FOUND when one is missing or leads outside the folder. */
export function requireUsable(entry: ProjectEntry): UsableProject {
  if (!entry.available) {
    throw new LucidError('PROJECT_NOT_FOUND', `compose project ${entry.name} cannot be used: ${entry.problem}`);
  }
  return entry;
}
