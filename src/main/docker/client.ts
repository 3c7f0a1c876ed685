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
  if (dockerHost.startsWith('unix://')) return { socketPath: dockerHost.slice('unix://'.length) };
  // Parsed by hand: WHATWG URL parsing would drop the "." of "//./pipe/docker_engine".
  if (dockerHost.startsWith('npipe://')) return { socketPath: dockerHost.slice('npipe://'.length) };
  if (dockerHost.startsWith('tcp://')) {
    const url = new URL(dockerHost);
    return { host: url.hostname, port: url.port ? Number(url.port) : 2375, protocol: 'http' };
  }
  throw new Error(`unsupported DOCKER_HOST ${dockerHost}`);
}

export function createDockerClient(dockerHost: string): Docker {
  return new Docker(parseDockerHost(dockerHost));
}
