/**
 * `npm run soak`: the attacks that need minutes rather than seconds, each in a `soak/*.soak.ts`
 * file that exports `run(): Promise<void>` and prints its own figures. Not part of `npm test`.
 * `npm run soak -- NAME` runs only the soaks whose file name contains NAME.
 */
import { readdirSync } from 'node:fs';

const only = process.argv.slice(2);
const dir = new URL('./', import.meta.url);
const files = readdirSync(dir)
  .filter((file) => file.endsWith('.soak.ts'))
  .filter((file) => only.length === 0 || only.some((name) => file.includes(name)))
  .sort();

if (files.length === 0) {
  console.error(`no soak matches ${only.join(' ') || '(any)'}`);
  process.exit(1);
}
for (const file of files) {
  const soak = (await import(new URL(file, dir).href)) as { run(): Promise<void> };
  console.log(`\n==== soak ${file} ====`);
  await soak.run();
}
