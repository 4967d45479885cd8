import type { Migration } from 'kysely';
import * as tenants from './0001-tenants.js';
import * as apiKeysAndAuditLog from './0002-api-keys-and-audit-log.js';
import * as idempotencyKeys from './0003-idempotency-keys.js';
import * as documentsAndJobs from './0004-documents-and-jobs.js';

/** Applied in key order; never edit one that has shipped, add the next instead. */
export const sqliteMigrations: Record<string, Migration> = {
  '0001-tenants': tenants,
  '0002-api-keys-and-audit-log': apiKeysAndAuditLog,
  '0003-idempotency-keys': idempotencyKeys,
  '0004-documents-and-jobs': documentsAndJobs,
};
