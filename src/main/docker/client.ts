import Docker from 'dockerode';

export type DockerConnection =
  | { socketPath: string }
  | { host: string; port: number; protocol: 'http' };

/**
 * Translates DOCKER_HOST into dockerode options. No `version` is set on purpose: docker-modem
 * would prepend it to every path, and an engine newer than that version refuses old clients
 * (Engine 29 rejects anything below 1.44), so requests go unversioned and every engine answers
 * with its own current API.
 */
export function parseDockerHost(dockerHost: string): DockerConnection {
  const path = (prefix: string) => {
    const rest = dockerHost.slice(prefix.length);
    if (rest === '') throw new Error(`DOCKER_HOST ${dockerHost} has no path`);
    return rest;
  };
  if (dockerHost.startsWith('unix://')) return { socketPath: path('unix://') };
  // Parsed by hand: WHATWG URL parsing would drop the "." of "//./pipe/docker_engine".
  if (dockerHost.startsWith('npipe://')) return { socketPath: path('npipe://') };
  if (dockerHost.startsWith('tcp://')) {
    const url = new URL(dockerHost);
    if (!url.hostname || url.pathname.length > 1) throw new Error(`DOCKER_HOST ${dockerHost} must be tcp://HOST:PORT`);
    return { host: url.hostname, port: url.port ? Number(url.port) : 2375, protocol: 'http' };
  }
  throw new Error(`unsupported DOCKER_HOST ${dockerHost}`);
}

export function createDockerClient(dockerHost: string): Docker {
  return new Docker(parseDockerHost(dockerHost));
}
