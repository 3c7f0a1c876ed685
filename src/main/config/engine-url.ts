import type { EngineEndpoint, SshEndpoint, TlsFiles } from '../docker/endpoint.js';

/** The Docker socket on a remote machine when the hosts file names none. */
export const DEFAULT_REMOTE_SOCKET = '/var/run/docker.sock';

/** What a URL says about an engine; ports and user are absent when the URL leaves them out. */
export type EngineUrl =
  | { kind: 'unix'; socketPath: string }
  | { kind: 'npipe'; socketPath: string }
  | { kind: 'tcp'; host: string; port?: number }
  | { kind: 'ssh'; host: string; port?: number; user?: string };

/** What a URL cannot say; the caller knows it from the hosts entry or the environment. */
export interface EndpointSettings {
  /** Mutual TLS files for tcp://; also makes 2376 (Docker's TLS port) the default port. */
  tls?: TlsFiles;
  /** Settings of an ssh:// endpoint that live outside the URL, paths already absolute; needed for ssh://. */
  ssh?: Omit<SshEndpoint, 'kind' | 'user' | 'host' | 'port'>;
  /** Whom an ssh:// URL without `user@` logs in as: the current OS user, as ssh itself does. */
  defaultUser: string;
}

export const ENGINE_URL_FORMS = 'unix://PATH, npipe:////./pipe/NAME, tcp://HOST[:PORT] or ssh://[USER@]HOST[:PORT]';

/** A DNS name or an IPv4 address; IPv6 comes in brackets and is checked by the URL parser. */
const HOST_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$/;
/** What OpenSSH accepts as a login name, without the characters a URL would have to escape. */
const USER_NAME = /^[A-Za-z0-9._][A-Za-z0-9._-]{0,31}$/;

/**
 * Parses a Docker URL, or throws an Error whose message says what is wrong (callers prefix it
 * with where the URL came from). The rules of the docker CLI: `npipe://` keeps its `//./pipe/…`
 * path as written; `ssh://` takes no path and no password.
 */
export function parseEngineUrl(url: string): EngineUrl {
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(url)?.[1];
  switch (scheme) {
    case 'unix':
      return { kind: 'unix', socketPath: pathAfter(url, 'unix://') };
    // Parsed by hand: WHATWG URL parsing would drop the "." of "//./pipe/docker_engine".
    case 'npipe':
      return { kind: 'npipe', socketPath: pathAfter(url, 'npipe://') };
    case 'tcp': {
      const { host, port, user } = authority(url, 'tcp://HOST[:PORT]');
      if (user !== undefined) throw new Error('tcp:// takes no user');
      return port === undefined ? { kind: 'tcp', host } : { kind: 'tcp', host, port };
    }
    case 'ssh': {
      const { host, port, user } = authority(url, 'ssh://[USER@]HOST[:PORT]');
      if (user !== undefined && !USER_NAME.test(user)) throw new Error('the user part is not a user name (a password, even encoded, does not belong in the url)');
      return { kind: 'ssh', host, ...(port === undefined ? {} : { port }), ...(user === undefined ? {} : { user }) };
    }
    case undefined:
      throw new Error(`must be ${ENGINE_URL_FORMS}`);
    default:
      throw new Error(`unknown scheme "${scheme}://": must be ${ENGINE_URL_FORMS}`);
  }
}

/** The endpoint a parsed URL names, with what the URL leaves out filled in from `settings`. */
export function toEndpoint(url: EngineUrl, settings: EndpointSettings): EngineEndpoint {
  switch (url.kind) {
    case 'unix':
    case 'npipe':
      return url;
    case 'tcp':
      return settings.tls
        ? { kind: 'tcp', host: url.host, port: url.port ?? 2376, tls: settings.tls }
        : { kind: 'tcp', host: url.host, port: url.port ?? 2375 };
    case 'ssh':
      if (!settings.ssh) throw new Error('ssh:// needs its known_hosts file and credentials');
      return { kind: 'ssh', user: url.user ?? settings.defaultUser, host: url.host, port: url.port ?? 22, ...settings.ssh };
  }
}

function pathAfter(url: string, prefix: string): string {
  const rest = url.slice(prefix.length);
  if (rest === '') throw new Error(`${prefix} needs a path, e.g. ${prefix === 'unix://' ? 'unix:///var/run/docker.sock' : 'npipe:////./pipe/docker_engine'}`);
  return rest;
}

/** Host, port and user of a tcp:// or ssh:// URL; anything else in it (path, query, password) is refused. */
function authority(url: string, form: string): { host: string; port: number | undefined; user: string | undefined } {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`must be ${form}`);
  }
  if (parsed.password !== '') throw new Error('must not carry a password: use an identity file or the SSH agent');
  if (parsed.pathname !== '' || parsed.search !== '' || parsed.hash !== '') throw new Error(`must be ${form}, without a path or query`);
  const bracketed = /^\[(.+)\]$/.exec(parsed.hostname)?.[1];
  if (bracketed === undefined && !HOST_NAME.test(parsed.hostname)) throw new Error(`must be ${form}: "${parsed.hostname}" is not a host name or address`);
  const port = parsed.port === '' ? undefined : Number(parsed.port);
  if (port === 0) throw new Error('port must be 1-65535');
  if (parsed.username === '' && /^[^/?#]*@/.test(url.slice(url.indexOf('//') + 2))) throw new Error('has an empty user before "@"');
  const user = parsed.username === '' ? undefined : decodeURIComponent(parsed.username);
  return { host: bracketed ?? parsed.hostname, port, user };
}
