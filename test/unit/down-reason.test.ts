import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { withoutDirectories } from '../../src/main/hosts/down-reason.js';

describe('a down host reason without directories', () => {
  it('keeps the file name of an absolute path, quoted or not', () => {
    assert.equal(withoutDirectories('is not signed by the CA in /etc/lucid/tls/ca.pem (x)'), 'is not signed by the CA in ca.pem (x)');
    assert.equal(withoutDirectories("cannot read '/root/.ssh/id_ed25519'"), "cannot read 'id_ed25519'");
    assert.equal(withoutDirectories('/var/lib/known_hosts: empty'), 'known_hosts: empty');
  });

  it('leaves the slashes of a fingerprint alone', () => {
    const reason = 'host key SHA256:gmkk/DjYZ/Un0D5xT+NGy/GRye/Se8taSyKJYabcdefghij (ssh-ed25519) of [127.0.0.1]:45477 is not in /tmp/x/known_hosts_empty';
    assert.equal(
      withoutDirectories(reason),
      'host key SHA256:gmkk/DjYZ/Un0D5xT+NGy/GRye/Se8taSyKJYabcdefghij (ssh-ed25519) of [127.0.0.1]:45477 is not in known_hosts_empty',
    );
  });
});
