// Builds the dashboard (src/renderer) into dist/renderer: one minified script, one stylesheet
// and the page. The REST client's routes are read from the contract here, at build time, so the
// page carries no zod and no route written by hand.
import { copyFile, mkdir } from 'node:fs/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** The contract's route table, computed in Node from the real contract. */
async function routeTable() {
  const entry = `
    import { operations } from './src/shared/contract/index.ts';
    import { routeTableOf } from './src/renderer/client/route-table.ts';
    export default routeTableOf(operations);
  `;
  const out = await build({
    stdin: { contents: entry, resolveDir: ROOT, loader: 'ts' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    write: false,
    logLevel: 'warning',
  });
  const source = out.outputFiles[0].text;
  const module = await import(`data:text/javascript;base64,${Buffer.from(source).toString('base64')}`);
  return module.default;
}

/** The options of the page's bundle, shared with the test that keeps it small. */
export async function rendererBuildOptions() {
  return {
    entryPoints: { app: `${ROOT}src/renderer/main.tsx` },
    bundle: true,
    // A classic script: a module script loaded from file:// (the Electron app) is refused as cross-origin.
    format: 'iife',
    platform: 'browser',
    // Electron 28 ships Chromium 120; Debian's Chromium is newer.
    target: 'chrome120',
    jsx: 'automatic',
    jsxImportSource: 'preact',
    minify: true,
    sourcemap: false,
    legalComments: 'none',
    define: { __LUCID_ROUTES__: JSON.stringify(await routeTable()) },
    logLevel: 'warning',
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const out = `${ROOT}dist/renderer/`;
  await mkdir(out, { recursive: true });
  await build({ ...(await rendererBuildOptions()), outdir: out });
  for (const file of ['index.html', 'favicon.svg']) await copyFile(`${ROOT}src/renderer/${file}`, out + file);
}
