import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { build, type BuildOptions } from 'esbuild';
// @ts-expect-error -- a plain ESM script without types; its options are checked by esbuild.
import { preloadBuildOptions } from '../../scripts/preload-build.mjs';

const ROOT = new URL('../../', import.meta.url).pathname;
/** A sandboxed renderer loads the preload into every window: it carries names, not validators. */
const MAX_BYTES = 30 * 1024;

describe('the preload bundle', () => {
  it(`stays under ${MAX_BYTES / 1024} KiB and carries no zod`, async () => {
    const options: BuildOptions = preloadBuildOptions;
    const result = await build({ ...options, absWorkingDir: ROOT, write: false, outfile: 'preload.cjs', metafile: true });
    const file = result.outputFiles?.[0];
    assert.ok(file && result.metafile);
    const inputs = Object.keys(result.metafile.inputs);
    assert.deepEqual(inputs.filter((path) => path.includes('node_modules')), [], 'no package is bundled');
    assert.doesNotMatch(file.text, /zod|ZodError|_zod/i, 'no zod code or schema');
    assert.ok(file.contents.byteLength < MAX_BYTES, `${file.contents.byteLength} bytes`);
  });
});
