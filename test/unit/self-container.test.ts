import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { findSelfContainer } from '../../src/main/docker/self-container.js';

const ID = 'f'.repeat(8) + '0123456789abcdef'.repeat(3) + 'a1b2c3d4';
const OTHER = 'e'.repeat(64);

describe('finding the manager’s own container', () => {
  it('reads a cgroup v1 path', () => {
    const cgroup = `12:pids:/docker/${ID}\n11:memory:/docker/${ID}\n0::/\n`;
    assert.deepEqual(findSelfContainer({ cgroup, inContainer: true }), { id: ID, source: 'cgroup' });
  });

  it('reads a systemd-driver scope seen without a private cgroup namespace', () => {
    const cgroup = `0::/system.slice/docker-${ID}.scope\n`;
    assert.deepEqual(findSelfContainer({ cgroup, inContainer: true }), { id: ID, source: 'cgroup' });
  });

  it('falls back to the bind mounts of /etc/hostname on cgroup v2 with a private namespace', () => {
    const mountinfo = [
      `610 590 0:52 / / rw,relatime master:300 - overlay overlay rw,lowerdir=/var/lib/docker/overlay2/l/X`,
      `631 610 254:1 /var/lib/docker/containers/${OTHER}/mounts/shm /dev/shm rw - ext4 /dev/vda1 rw`,
      `632 610 254:1 /var/lib/docker/containers/${ID}/resolv.conf /etc/resolv.conf rw,relatime - ext4 /dev/vda1 rw`,
      `633 610 254:1 /var/lib/docker/containers/${ID}/hostname /etc/hostname rw,relatime - ext4 /dev/vda1 rw`,
    ].join('\n');
    assert.deepEqual(findSelfContainer({ cgroup: '0::/\n', mountinfo, inContainer: true }), { id: ID, source: 'mountinfo' });
  });

  it('trusts a 12-hex hostname only inside a container', () => {
    const evidence = { cgroup: '0::/\n', mountinfo: '', hostname: ID.slice(0, 12) };
    assert.deepEqual(findSelfContainer({ ...evidence, inContainer: true }), { id: ID.slice(0, 12), source: 'hostname' });
    assert.equal(findSelfContainer({ ...evidence, inContainer: false }), undefined);
  });

  it('finds nothing on a plain host, or in ids that are not 64 hex digits long', () => {
    const host = { cgroup: '0::/user.slice/user-1000.slice/session-2.scope\n', mountinfo: '', hostname: 'workstation', inContainer: false };
    assert.equal(findSelfContainer(host), undefined);
    const tooLong = { cgroup: `0::/x/${ID}ff\n`, hostname: 'vm', inContainer: true };
    assert.equal(findSelfContainer(tooLong), undefined);
    const memoryOnly = { cgroup: '4:memory:/process_api/add46293098b18703d900cc5e11a076c\n', hostname: 'vm', inContainer: true };
    assert.equal(findSelfContainer(memoryOnly), undefined);
  });
});
