// The esbuild options of the bundles an Electron app loads, shared by scripts/bundle.mjs and the
// test that keeps the preload bundle small.

/** One self-contained CommonJS file for Node 20 (Electron's main and preload), readable as built. */
export const cjsBundleOptions = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  sourcemap: false,
  minify: false,
  logLevel: 'warning',
};

// A sandboxed renderer's preload may require nothing but `electron` (and a few built-ins), so
// what it imports is inlined: channel names and the zod-free operation manifest.
export const preloadBuildOptions = {
  ...cjsBundleOptions,
  entryPoints: ['src/preload/index.ts'],
  external: ['electron'],
};
