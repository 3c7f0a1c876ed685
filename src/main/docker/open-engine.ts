import Docker from 'dockerode';
import type { EngineEndpoint } from './endpoint.js';
import type { EngineConnection, LinkState } from './engine-connection.js';

/** Local and plain-TCP engines only, until the SSH and TLS transports land. */
export function openEngine(endpoint: EngineEndpoint): EngineConnection {
  if (endpoint.kind === 'ssh' || (endpoint.kind === 'tcp' && endpoint.tls)) throw new Error(`${endpoint.kind} is not supported yet`);
  const docker =
    endpoint.kind === 'tcp'
      ? new Docker({ host: endpoint.host, port: endpoint.port, protocol: 'http' })
      : new Docker({ socketPath: endpoint.socketPath });
  const up: LinkState = { state: 'up' };
  const url = endpoint.kind === 'tcp' ? `tcp://${endpoint.host}:${endpoint.port}` : `${endpoint.kind}://${endpoint.socketPath}`;
  return {
    docker,
    link: () => up,
    onLink: () => () => {},
    cliDockerHost: async () => url,
    close: async () => {},
  };
}
