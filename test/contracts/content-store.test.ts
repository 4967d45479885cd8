/**
 * The SQL content store passes the ContentStore contract on both dialects, with content in
 * plaintext and sealed (QUIRE_ENCRYPTION_KEY set), and stores a page's Markdown once when it is
 * the page's text.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import {
  createContentCipher,
  PLAINTEXT_SEARCHABLE,
  type ContentPolicy,
} from '../../src/adapters/sql/content-cipher.js';
import { createSqlContentStore } from '../../src/adapters/sql/content-store.js';
import { createSqlDocumentStore } from '../../src/adapters/sql/document-store.js';
import { createSqlTenantStore } from '../../src/adapters/sql/tenant-store.js';
import type { SqlDatabase } from '../../src/adapters/sql/database.js';
import { DATABASE_TARGETS } from '../helpers/databases.js';
import { contentStoreContract } from './content-store.contract.js';
import { documentRecord } from './document-store.contract.js';

const POLICIES: [string, ContentPolicy][] = [
  ['plaintext', PLAINTEXT_SEARCHABLE],
  ['sealed', { ...PLAINTEXT_SEARCHABLE, cipher: createContentCipher(randomBytes(32)) }],
];

/** Creates a document (and its tenant): content rows refer to their document. */
function documentAdder(database: SqlDatabase) {
  const tenants = createSqlTenantStore(database);
  const documents = createSqlDocumentStore(database.db, database.dialect);
  return async (tenantId: string, documentId: string): Promise<void> => {
    await tenants.ensure({ id: tenantId, name: tenantId });
    await documents.insert(
      documentRecord(tenantId, {
        id: documentId,
        title: 'Content test',
        status: 'processing',
        size_bytes: 1,
      }),
    );
  };
}

for (const target of DATABASE_TARGETS)
  for (const [label, policy] of POLICIES) {
    contentStoreContract({
      name: `SQL (${target.name}, ${label})`,
      async create() {
        const fixture = await target.open();
        const { database } = fixture;
        return {
          content: createSqlContentStore(database.db, database.dialect, policy),
          addDocument: documentAdder(database),
          dispose: () => fixture.dispose(),
        };
      },
    });

    describe(`SQL content store (${target.name}, ${label}): a Markdown that is the text`, () => {
      it('is stored once, given or staged; any other Markdown is stored whole', async () => {
        const fixture = await target.open();
        try {
          const { db, dialect } = fixture.database;
          const content = createSqlContentStore(db, dialect, policy);
          await documentAdder(fixture.database)('t-once', 'doc-once');
          const text = 'a page of plain text '.repeat(50);
          await content.stagePages('t-once', 'doc-once', 'stage-a', [
            { number: 2, text, markdown: text },
          ]);
          await content.replace(
            't-once',
            'doc-once',
            [
              { number: 1, text, markdown: text },
              { number: 3, text, markdown: `# ${text}` },
            ],
            [],
            '',
            { stage: 'stage-a', numbers: [2] },
          );
          const rows = await db
            .selectFrom('document_pages')
            .select(['number', 'text', 'markdown', 'markdown_is_text'])
            .where('document_id', '=', 'doc-once')
            .orderBy('number')
            .execute();
          assert.deepEqual(
            rows.map((row) => [Number(row.number), row.markdown, Number(row.markdown_is_text)]),
            [
              [1, '', 1],
              [2, '', 1],
              [3, rows[2]?.markdown, 0],
            ],
          );
          assert.ok((rows[2]?.markdown.length ?? 0) > text.length, 'page 3 keeps its Markdown');
          assert.ok(rows.every((row) => row.text.length >= text.length));
        } finally {
          await fixture.dispose();
        }
      });
    });
  }
