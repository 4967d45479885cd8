import type { Migration } from 'kysely';
import * as tenants from './0001-tenants.js';
import { migration as apiKeysAndAuditLog } from '../shared/0002-api-keys-and-audit-log.js';
import { migration as idempotencyKeys } from '../shared/0003-idempotency-keys.js';
import { migration as documentsAndJobs } from '../shared/0004-documents-and-jobs.js';
import { migration as extraction } from '../shared/0005-extraction.js';
import { migration as webhooks } from '../shared/0006-webhooks.js';
import * as search from './0007-search.js';
import { migration as documentDedupeKey } from '../shared/0008-document-dedupe-key.js';
import * as sealedContent from './0009-sealed-content.js';
import { migration as sealedMetadataAndSecrets } from '../shared/0010-sealed-metadata-and-secrets.js';
import { migration as deployment } from '../shared/0011-deployment.js';
import { migration as jobAttemptWorkers } from '../shared/0012-job-attempt-workers.js';
import { migration as structuredPassages } from '../shared/0013-structured-passages.js';
import { migration as documentParent } from '../shared/0014-document-parent.js';
import { migration as passageVectors } from '../shared/0016-passage-vectors.js';
import { migration as stagedPages } from '../shared/0017-staged-pages.js';
import { migration as markdownAsText } from '../shared/0018-markdown-as-text.js';

/** Applied in key order; never edit one that has shipped, add the next instead. */
export const postgresMigrations: Record<string, Migration> = {
  '0001-tenants': tenants,
  '0002-api-keys-and-audit-log': apiKeysAndAuditLog('timestamptz'),
  '0003-idempotency-keys': idempotencyKeys('timestamptz'),
  '0004-documents-and-jobs': documentsAndJobs('timestamptz'),
  '0005-extraction': extraction(),
  '0006-webhooks': webhooks('timestamptz'),
  '0007-search': search,
  '0008-document-dedupe-key': documentDedupeKey(),
  '0009-sealed-content': sealedContent,
  '0010-sealed-metadata-and-secrets': sealedMetadataAndSecrets(),
  '0011-deployment': deployment('timestamptz'),
  '0012-job-attempt-workers': jobAttemptWorkers(),
  '0013-structured-passages': structuredPassages(),
  '0014-document-parent': documentParent(),
  '0016-passage-vectors': passageVectors('bytea'),
  '0017-staged-pages': stagedPages(),
  '0018-markdown-as-text': markdownAsText(),
};
