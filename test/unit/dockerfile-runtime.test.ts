import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { envOf, finalStage, importChanges, ownedDirectories } from '../../scripts/dockerfile-runtime.js';

const DOCKERFILE = `# syntax=docker/dockerfile:1
ARG BASE=example/base:1
FROM example/builder:1 AS builder
ENV BUILD_ONLY=1
RUN mkdir -p /state

FROM \${BASE}
WORKDIR /app
# a comment between instructions
ENV A=1 \\
    B=/var/lib/x/log \\
    C=
COPY --from=builder /app/dist ./dist
COPY --from=builder --chown=10:20 /state /var/lib/x/
USER 10:20
HEALTHCHECK --interval=30s --timeout=5s \\
  CMD ["/bin/probe"]
CMD ["/app/main.js"]
`;

describe('the Dockerfile runtime mirror', () => {
  const stage = finalStage(DOCKERFILE);

  it('reads the final stage only, continuations joined', () => {
    assert.equal(stage[0], 'FROM ${BASE}');
    assert.deepEqual(envOf(stage), [
      ['A', '1'],
      ['B', '/var/lib/x/log'],
      ['C', ''],
    ]);
    assert.deepEqual(ownedDirectories(stage), [{ owner: '10:20', path: '/var/lib/x' }]);
  });

  it('turns the config instructions into docker import changes, the health interval replaceable', () => {
    assert.deepEqual(importChanges(stage), [
      'WORKDIR /app',
      'ENV A=1 B=/var/lib/x/log C=',
      'USER 10:20',
      'HEALTHCHECK --interval=30s --timeout=5s CMD ["/bin/probe"]',
      'CMD ["/app/main.js"]',
    ]);
    assert.equal(
      importChanges(stage, { healthInterval: '1s' }).find((change) => change.startsWith('HEALTHCHECK')),
      'HEALTHCHECK --interval=1s --timeout=5s CMD ["/bin/probe"]',
    );
    assert.throws(() => importChanges(stage, { healthInterval: '1s --retries=0' }), /bad health interval/);
  });

  it('refuses what it would mirror wrongly', () => {
    for (const env of ['ENV A="quoted value"', 'ENV A=$OTHER', 'ENV LEGACY value']) {
      assert.throws(() => envOf(finalStage(`FROM x\n${env}\n`)), /unsupported ENV syntax/, env);
    }
    assert.throws(() => importChanges(finalStage('FROM x\nSTOPSIGNAL SIGINT\n')), /no mirror for STOPSIGNAL/);
    assert.throws(() => ownedDirectories(finalStage('FROM x\nCOPY --chown=app /a /b\n')), /unsupported COPY --chown/);
    assert.throws(() => finalStage('ENV A=1\n'), /no FROM/);
  });
});
