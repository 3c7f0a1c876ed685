import { listHostsInput, listHostsOutput } from '../schemas/hosts.js';
import { defineOperation } from './define.js';

export const hostOperations = {
  'hosts.list': defineOperation({
    summary: 'The configured hosts (engines) with their state, versions and container counts',
    method: 'GET',
    path: '/api/v1/hosts',
    input: listHostsInput,
    output: listHostsOutput,
    access: 'system:read',
    kind: 'read',
  }),
};
