import type { FileHandle } from 'node:fs/promises';
import { readdir, realpath, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { LucidError } from '../../shared/errors.js';
import { PROJECT_NAME } from '../../shared/schemas/compose.js';
import type { ServicesConfig } from '../config/services-config.js';
import { openInside } from './project-files.js';

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

/** A project's files, open and checked, for one compose run: compose reads these very descriptors. */
export interface OpenProject {
  handles: FileHandle[];
  /** The projects folder's real path. */
  root: string;
  /** Real paths of the opened files, in order. */
  paths: string[];
  /** The folder of the first file: compose's own default for relative paths, passed explicitly. */
  directory: string;
  close(): Promise<void>;
}

export function isProjectName(name: string): boolean {
  return PROJECT_NAME.test(name);
}

async function closeAll(handles: FileHandle[]): Promise<void> {
  await Promise.all(handles.map((h) => h.close().catch(() => undefined)));
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
    const entries = await this.checkDeclared(root);
    // Files a declared project uses, by name and by real path: discovery must not offer them again
    // under another project name, which would start a second copy of the same containers.
    const claimed = new Set<string>();
    for (const entry of entries) {
      entry.files.forEach((f) => claimed.add(f));
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

  /**
   * Opens the project's files for one compose run, checking each again (see `openInside`): the
   * checks of `list()` are a report, these descriptors are what compose gets.
   */
  async open(project: UsableProject): Promise<OpenProject> {
    const root = await realpath(this.root).catch(() => undefined);
    if (root === undefined) throw unusable(project.name, 'the projects folder does not exist');
    const handles: FileHandle[] = [];
    const paths: string[] = [];
    for (const file of project.files) {
      const opened = await openInside(root, file);
      if (!opened.ok) {
        await closeAll(handles);
        throw unusable(project.name, opened.problem);
      }
      handles.push(opened.handle);
      paths.push(opened.path);
    }
    const first = paths[0];
    if (first === undefined) throw unusable(project.name, 'it has no files');
    return { handles, root, paths, directory: dirname(first), close: () => closeAll(handles) };
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

  /**
   * The config's projects, checked. A name declared twice is listed once, for its first group,
   * and cannot be used; a file declared for two project names makes both unusable: either would
   * start its own copy of the same containers under another name.
   */
  private async checkDeclared(root: string | undefined): Promise<ProjectEntry[]> {
    const entries: ProjectEntry[] = [];
    for (const project of this.declared) {
      const earlier = entries.findIndex((e) => e.name === project.name);
      const first = entries[earlier];
      if (first === undefined) entries.push(await this.check(project, root));
      else entries[earlier] = refuse(first, `it is declared by groups ${first.group} and ${project.group}`);
    }
    const owners = new Map<string, Set<string>>();
    for (const entry of entries) {
      for (const key of fileKeys(entry, root)) owners.set(key, (owners.get(key) ?? new Set()).add(entry.name));
    }
    return entries.map((entry) => {
      const others = new Set(fileKeys(entry, root).flatMap((key) => [...(owners.get(key) ?? [])]));
      others.delete(entry.name);
      if (others.size === 0 || !entry.available) return entry;
      return refuse(entry, `a file of it is also declared for project ${[...others].sort().join(', ')}`);
    });
  }

  private async check(project: RegisteredProject, root: string | undefined): Promise<ProjectEntry> {
    if (root === undefined) return { ...project, available: false, problem: 'the projects folder does not exist' };
    const paths: string[] = [];
    for (const file of project.files) {
      const opened = await openInside(root, file);
      if (!opened.ok) return { ...project, available: false, problem: opened.problem };
      await opened.handle.close();
      paths.push(opened.path);
    }
    return { ...project, available: true, paths };
  }
}

/** A file named two ways (`a/../x.yml`, a symlink) is still one file: compare declared and real paths. */
function fileKeys(entry: ProjectEntry, root: string | undefined): string[] {
  const declared = entry.files.map((f) => join(root ?? '', f));
  return entry.available ? [...declared, ...entry.paths] : declared;
}

function refuse(entry: ProjectEntry, problem: string): ProjectEntry {
  const { name, group, files, source } = entry;
  return { name, group, files, source, available: false, problem };
}

function unusable(name: string, problem: string): LucidError {
  return new LucidError('PROJECT_NOT_FOUND', `compose project ${name} cannot be used: ${problem}`);
}

/** The entry's files, or PROJECT_NOT_FOUND when one is missing or leads outside the folder. */
export function requireUsable(entry: ProjectEntry): UsableProject {
  if (!entry.available) throw unusable(entry.name, entry.problem);
  return entry;
}
