import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isConnectionError, isNeverSent, toLucidError } from '../../src/main/docker/errors.js';
import { linkDownError } from '../../src/main/docker/link-errors.js';

const coded = (code: string) => Object.assign(new Error(code), { code });

describe('transport errors as the gateway sees them', () => {
  it('takes a request refused by a down SSH or TLS link as never sent, and the engine as unavailable', () => {
    const down = linkDownError('SSH link to pi.local is down: connection refused');
    assert.equal(isNeverSent(down), true);
    assert.equal(toLucidError(down, false).code, 'DOCKER_UNAVAILABLE');
  });

  it('takes an untrusted server certificate and a refused client certificate as never sent', () => {
    for (const code of ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'ERR_TLS_CERT_ALTNAME_INVALID', 'ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE', 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED']) {
      assert.equal(isNeverSent(coded(code)), true, code);
      assert.equal(toLucidError(coded(code), false).code, 'DOCKER_UNAVAILABLE', code);
    }
  });

  it('takes another TLS failure as a broken connection whose request may have gone', () => {
    const broken = coded('ERR_SSL_DECRYPTION_FAILED_OR_BAD_RECORD_MAC');
    assert.equal(isConnectionError(broken), true);
    assert.equal(isNeverSent(broken), false);
  });

  it("names Docker's 409 for the object at hand: a container's conflict unless the call says otherwise", () => {
    const conflict = () => Object.assign(new Error('conflict'), { statusCode: 409 });
    const container = toLucidError(conflict(), false);
    assert.equal(container.code, 'CONTAINER_CONFLICT');
    assert.match(container.message, /container/);
    const service = toLucidError(conflict(), false, { notFound: 'SERVICE_NOT_FOUND', conflict: 'SERVICE_CONFLICT', what: 'swarm service' });
    assert.equal(service.code, 'SERVICE_CONFLICT');
    assert.equal(service.message, "the swarm service's current state does not allow this");
  });

  it('leaves an answer of the engine alone', () => {
    const answered = Object.assign(new Error('conflict'), { statusCode: 409 });
    assert.equal(isConnectionError(answered), false);
  });
});
