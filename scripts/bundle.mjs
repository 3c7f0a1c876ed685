// Bundles the preload into one CommonJS file: a sandboxed renderer's preload may require
// nothing but `electron` (and a few built-ins), so the contract and zod are inlined.
import { build } from 'esbuild';

await build({
  entryPoints: ['src/preload/index.ts'],
  outfile: 'dist/preload/lucid-docker-preload.cjs',
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  external: ['electron'],
  sourcemap: false,
  minify: false,
  logLevel: 'warning',
});
