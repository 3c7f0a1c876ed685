import { mkdtempSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';

export interface HostEntry {
  name: string;
  url: string;
  default?: boolean;
  access?: { read: string[]; control: string[] };
  ssh?: Record<string, string>;
  tls?: Record<string, string>;
}

/** A hosts file of the test's own; `write` replaces it the way editors do (rename over). */
export class HostsFile {
  readonly path: string;

  constructor(hosts: HostEntry[]) {
    this.path = join(mkdtempSync(join(tmpdir(), 'lucid-hosts-')), 'hosts.yml');
    this.write(hosts);
  }

  write(hosts: HostEntry[] | string): void {
    const next = `${this.path}.next`;
    writeFileSync(next, typeof hosts === 'string' ? hosts : stringify({ hosts }));
    renameSync(next, this.path);
  }
}
