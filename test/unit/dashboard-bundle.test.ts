import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { describe, it } from 'node:test';
import { build, type BuildOptions } from 'esbuild';
// @ts-expect-error -- a plain ESM script without types; its options are checked by esbuild.
import { rendererBuildOptions } from '../../scripts/renderer-build.mjs';

/** The page's script, gzipped, as a browser downloads it. */
const MAX_GZIPPED = 200 * 1024;

describe('the dashboard bundle', () => {
  it(`stays under ${MAX_GZIPPED / 1024} KiB gzipped, carries no zod, and bundles only Preact and uPlot`, async () => {
    const options: BuildOptions = await rendererBuildOptions();
    const result = await build({ ...options, write: false, outdir: '/virtual', metafile: true });
    const script = result.outputFiles?.find((f) => f.path.endsWith('.js'));
    assert.ok(script && result.metafile);
    const packages = new Set(
      Object.keys(result.metafile.inputs)
        .map((path) => /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path)?.[1])
        .filter((name) => name !== undefined),
    );
    assert.deepEqual([...packages].sort(), ['preact', 'uplot']);
    assert.doesNotMatch(script.text, /ZodError|_zod/, 'no zod: routes come from the build');
    const gzipped = gzipSync(script.contents).byteLength;
    assert.ok(gzipped < MAX_GZIPPED, `${gzipped} bytes gzipped`);
  });
});
