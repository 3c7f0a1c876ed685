import {
  groupOperationOutput,
  groupProgressEvent,
  groupRefInput,
  groupStatusSchema,
  listGroupsInput,
  listGroupsOutput,
  startGroupInput,
  stopGroupInput,
} from '../schemas/services.js';
import { defineOperation } from './define.js';

export const serviceOperations = {
  'services.list': defineOperation({
    summary: 'List the service groups with the state of each member',
    method: 'GET',
    path: '/api/v1/services',
    input: listGroupsInput,
    output: listGroupsOutput,
    access: 'groups:read',
    kind: 'read',
  }),
  'services.get': defineOperation({
    summary: 'One service group with the state of each member',
    method: 'GET',
    path: '/api/v1/services/{group}',
    input: groupRefInput,
    output: groupStatusSchema,
    access: 'groups:read',
    kind: 'read',
  }),
  'services.start': defineOperation({
    summary: 'Start a group in dependency order, waiting for health before dependents start',
    method: 'POST',
    path: '/api/v1/services/{group}/start',
    input: startGroupInput,
    output: groupOperationOutput,
    access: 'groups:control',
    kind: 'control',
    events: groupProgressEvent,
  }),
  'services.stop': defineOperation({
    summary: 'Stop a group in reverse dependency order',
    method: 'POST',
    path: '/api/v1/services/{group}/stop',
    input: stopGroupInput,
    output: groupOperationOutput,
    access: 'groups:control',
    kind: 'control',
    events: groupProgressEvent,
  }),
};
