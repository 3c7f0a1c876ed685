import { isIP } from 'node:net';

/**
 * True for a host name or address that stays on this machine: `localhost`, 127.0.0.0/8, `::1`
 * (bracketed or not, as URL host names carry it) and IPv4-mapped loopback.
 */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  if (bare === 'localhost' || bare.endsWith('.localhost')) return true;
  if (isIP(bare) === 4) return bare.startsWith('127.');
  if (isIP(bare) === 6) return bare === '::1' || /^::ffff:127\./.test(bare) || bare === '0:0:0:0:0:0:0:1';
  return false;
}
