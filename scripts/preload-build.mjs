// The preload bundle's esbuild options, shared by scripts/bundle.mjs and the test that keeps the
// bundle small. A sandboxed renderer's preload may require nothing but `electron` (and a few
// built-ins), so what it imports is inlined: channel names and the zod-free operation manifest.
export const preloadBuildOptions = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  sourcemap: false,
  minify: false,
  logLevel: 'warning',
  entryPoints: ['src/preload/index.ts'],
  external: ['electron'],
};
