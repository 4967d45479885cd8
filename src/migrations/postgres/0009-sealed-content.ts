/**
 * Content encrypted at rest (adapters/sql/content-cipher.ts). Each page and passage row says how
 * its text is stored (`sealing`: 0 plaintext, as every row written before this migration).
 * `passages.search` can no longer be generated from `text`, which may now be ciphertext: it
 * becomes a plain column (its values kept) that the content store writes from the plaintext it
 * has in hand when search is on (QUIRE_SEARCH_INDEX), and leaves null when it is off.
 */
import { sql, type Kysely } from 'kysely';
import * as search from './0007-search.js';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE document_pages ADD COLUMN sealing smallint NOT NULL DEFAULT 0`.execute(db);
  await sql`ALTER TABLE passages ADD COLUMN sealing smallint NOT NULL DEFAULT 0`.execute(db);
  await sql`ALTER TABLE passages ALTER COLUMN search DROP EXPRESSION`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  // Sealed rows cannot go back to a schema that has no place to say so.
  await sql`DELETE FROM passages WHERE sealing <> 0`.execute(db);
  await sql`DELETE FROM document_pages WHERE sealing <> 0`.execute(db);
  await search.down(db);
  await search.up(db);
  await sql`ALTER TABLE passages DROP COLUMN sealing`.execute(db);
  await sql`ALTER TABLE document_pages DROP COLUMN sealing`.execute(db);
}
