import type { ContainerSummary } from '../../shared/schemas/containers.js';

export interface Filters {
  text: string;
  host: string;
  group: string;
  state: string;
}

export const NO_FILTERS: Filters = { text: '', host: '', group: '', state: '' };

/** '' matches any; group `(none)` matches containers in no group. */
export const NO_GROUP = '(none)';

export function matches(c: ContainerSummary, f: Filters): boolean {
  if (f.host && c.host !== f.host) return false;
  if (f.group && (c.group ?? NO_GROUP) !== f.group) return false;
  if (f.state && c.state !== f.state) return false;
  if (f.text) {
    const needle = f.text.toLowerCase();
    return c.name.toLowerCase().includes(needle) || c.image.toLowerCase().includes(needle) || c.id.startsWith(needle);
  }
  return true;
}

export function byName(a: ContainerSummary, b: ContainerSummary): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}
