/**
 * Labels both compose v1 and v2 put on every container they create; the manager reads project
 * state and group membership from them rather than from either CLI's output.
 */
export const COMPOSE_LABEL = {
  project: 'com.docker.compose.project',
  service: 'com.docker.compose.service',
  oneoff: 'com.docker.compose.oneoff',
  configFiles: 'com.docker.compose.project.config_files',
  workingDir: 'com.docker.compose.project.working_dir',
} as const;
