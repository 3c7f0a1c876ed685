import { auditListInput, auditListOutput } from '../schemas/audit.js';
import { defineOperation } from './define.js';

export const auditOperations = {
  'audit.list': defineOperation({
    summary: 'Read the audit trail, newest first',
    method: 'GET',
    path: '/api/v1/audit',
    input: auditListInput,
    output: auditListOutput,
    access: 'audit:read',
    kind: 'read',
  }),
};
