import { sessionInput, sessionOutput } from '../schemas/session.js';
import { defineOperation } from './define.js';

export const sessionOperations = {
  'session.get': defineOperation({
    summary: 'Who the caller is: subject, role, expiry, hosts claim and the groups it may control',
    method: 'GET',
    path: '/api/v1/session',
    input: sessionInput,
    output: sessionOutput,
    access: 'system:read',
    kind: 'read',
  }),
};
