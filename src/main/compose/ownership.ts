import { dirname, isAbsolute, join, resolve } from 'node:path';
import { COMPOSE_LABEL } from './labels.js';

/**
 * How to tell this project's containers from those of a same-named project started from other
 * files: compose records the files (`…project.config_files`, comma-separated, as they were given,
 * v1 relative to `…project.working_dir`) on every container it creates.
 */
export interface ProjectOrigin {
  /** File lists that are this project's: the declared paths and the real ones. */
  fileLists: string[][];
  /** The manager passes files as `/dev/fd/3…`: that form counts only with one of these working dirs. */
  handedOver: string[];
  directories: string[];
}

/** The fd a file is handed over as: the child's fd 3 onwards, after stdin, stdout and stderr. */
export function handedOverAs(index: number): string {
  return `/dev/fd/${3 + index}`;
}

export function projectOrigin(root: string, files: string[], realPaths: string[] | undefined): ProjectOrigin {
  const declared = files.map((f) => join(root, f));
  const fileLists = realPaths === undefined ? [declared] : [declared, realPaths];
  return {
    fileLists,
    handedOver: files.map((_, i) => handedOverAs(i)),
    directories: fileLists.flatMap((list) => (list[0] === undefined ? [] : [dirname(list[0])])),
  };
}

const sameList = (a: string[], b: string[]) => a.length === b.length && a.every((x, i) => x === b[i]);

/** False for a container started from other files than the project's (or that does not say which). */
export function isOurs(origin: ProjectOrigin, labels: Record<string, string> | null | undefined): boolean {
  const recorded = labels?.[COMPOSE_LABEL.configFiles];
  if (recorded === undefined || recorded === '') return false;
  const workingDir = labels?.[COMPOSE_LABEL.workingDir];
  const named = recorded.split(',');
  if (sameList(named, origin.handedOver)) return workingDir !== undefined && origin.directories.includes(workingDir);
  const files = named.map((f) => (isAbsolute(f) || workingDir === undefined ? f : resolve(workingDir, f)));
  return origin.fileLists.some((list) => sameList(files, list));
}
