/**
 * The SQL content store passes the ContentStore contract on both dialects, with content in
 * plaintext and sealed (QUIRE_ENCRYPTION_KEY set).
 */
import { randomBytes } from 'node:crypto';
import {
  createContentCipher,
  PLAINTEXT_SEARCHABLE,
  type ContentPolicy,
} from '../../src/adapters/sql/content-cipher.js';
import { createSqlContentStore } from '../../src/adapters/sql/content-store.js';
import { createSqlDocumentStore } from '../../src/adapters/sql/document-store.js';
import { createSqlTenantStore } from '../../src/adapters/sql/tenant-store.js';
import { DATABASE_TARGETS } from '../helpers/databases.js';
import { contentStoreContract } from './content-store.contract.js';
import { documentRecord } from './document-store.contract.js';

const POLICIES: [string, ContentPolicy][] = [
  ['plaintext', PLAINTEXT_SEARCHABLE],
  ['sealed', { ...PLAINTEXT_SEARCHABLE, cipher: createContentCipher(randomBytes(32)) }],
];

for (const target of DATABASE_TARGETS)
  for (const [label, policy] of POLICIES) {
    contentStoreContract({
      name: `SQL (${target.name}, ${label})`,
      async create() {
        const fixture = await target.open();
        const { database } = fixture;
        const tenants = createSqlTenantStore(database);
        const documents = createSqlDocumentStore(database.db, database.dialect);
        return {
          content: createSqlContentStore(database.db, database.dialect, policy),
          async addDocument(tenantId, documentId) {
            // Content rows refer to their document, which refers to its tenant.
            await tenants.ensure({ id: tenantId, name: tenantId });
            await documents.insert(
              documentRecord(tenantId, {
                id: documentId,
                title: 'Content test',
                status: 'processing',
                size_bytes: 1,
              }),
            );
          },
          dispose: () => fixture.dispose(),
        };
      },
    });
  }
