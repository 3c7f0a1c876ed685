import {
  composeDownInput,
  composeOutputEvent,
  composeProjectsInput,
  composeProjectsOutput,
  composeRunOutput,
  composeStatusInput,
  composeStatusOutput,
  composeUpInput,
} from '../schemas/compose.js';
import { defineOperation } from './define.js';

export const composeOperations = {
  'compose.projects': defineOperation({
    summary: 'List the registered compose projects with their group, files and state',
    method: 'GET',
    path: '/api/v1/compose/projects',
    input: composeProjectsInput,
    output: composeProjectsOutput,
    access: 'compose:read',
    kind: 'read',
  }),
  'compose.status': defineOperation({
    summary: 'State of one compose project, read from the engine by compose labels',
    method: 'GET',
    path: '/api/v1/compose/status',
    input: composeStatusInput,
    output: composeStatusOutput,
    access: 'compose:read',
    kind: 'read',
  }),
  'compose.up': defineOperation({
    summary: 'Create and start a compose project (or some of its services), optionally waiting for health',
    method: 'POST',
    path: '/api/v1/compose/up',
    input: composeUpInput,
    output: composeRunOutput,
    access: 'compose:control',
    kind: 'control',
    events: composeOutputEvent,
    eventName: 'line',
  }),
  'compose.down': defineOperation({
    summary: 'Stop and remove the containers of a compose project',
    method: 'POST',
    path: '/api/v1/compose/down',
    input: composeDownInput,
    output: composeRunOutput,
    access: 'compose:control',
    kind: 'control',
    events: composeOutputEvent,
    eventName: 'line',
  }),
};
