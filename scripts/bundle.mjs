// Bundles what an Electron app loads from inside its asar archive, each as one CommonJS file:
// - the preload (see preload-build.mjs);
// - the main-process entry (`attachLucidDockerManager`), so a host app's main can require it
//   without resolving this package's dependencies.
import { build } from 'esbuild';
import { cjsBundleOptions, preloadBuildOptions } from './preload-build.mjs';

await build({ ...preloadBuildOptions, outfile: 'dist/preload/lucid-docker-preload.cjs' });
// ssh2's native helpers (its crypto binding, cpu-features) are optional: it falls back to pure
// JavaScript when they fail to load.
// CommonJS has no import.meta: files that locate package data relative to themselves (the
// default config/services.yml) get the URL they have in tsc's output, dist/main/config/, which
// sits at the same depth below the package root as their source.
await build({
  ...cjsBundleOptions,
  entryPoints: ['src/main/electron.ts'],
  outfile: 'dist/electron/lucid-docker-main.cjs',
  external: ['electron', '*.node'],
  banner: {
    js: "const __lucidModuleUrl = require('node:url').pathToFileURL(require('node:path').join(__dirname, '..', 'main', 'config', 'bundled.js')).href;",
  },
  define: { 'import.meta.url': '__lucidModuleUrl' },
});
