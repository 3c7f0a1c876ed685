import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { inspect } from 'node:util';
import { SshHttpAgent } from '../../src/main/docker/ssh-agent.js';
import type { SshLink } from '../../src/main/docker/ssh-link.js';
import { TlsHttpAgent } from '../../src/main/docker/tls-agent.js';
import type { TlsLink } from '../../src/main/docker/tls-link.js';

/**
 * docker-modem formats each request's options, agent included, with showHidden and unlimited
 * depth for a debug line it builds even when debug is off: the agents must not expose their link.
 */
describe('the SSH and TLS agents as docker-modem formats them', () => {
  const formatted = (agent: unknown) => inspect({ agent }, { showHidden: true, depth: null });
  const link = { marker: 'the link and everything it holds' };

  it('shows only the agent type, never the link behind it', () => {
    assert.equal(formatted(new SshHttpAgent(link as unknown as SshLink)), '{ agent: SshHttpAgent }');
    assert.equal(formatted(new TlsHttpAgent(link as unknown as TlsLink)), '{ agent: TlsHttpAgent }');
  });
});
