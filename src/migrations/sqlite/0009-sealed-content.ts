/**
 * Content encrypted at rest (adapters/sql/content-cipher.ts). Each page and passage row says how
 * its text is stored (`sealing`: 0 plaintext, as every row written before this migration). The
 * FTS5 index can no longer be fed by triggers from `passages.text`, which may now be ciphertext:
 * the content store writes each passage's index entry itself, from the plaintext it has in hand,
 * when search is on (QUIRE_SEARCH_INDEX), and writes none when it is off.
 *
 * The index is rebuilt `contentless_delete=1` (SQLite ≥ 3.43), so a row is removed by its rowid
 * alone: the 0007 delete trigger fed FTS5 the old text, which a sealed row no longer has. The
 * insert trigger still gives every passage its stable FTS rowid (`passages_fts_rows`); the
 * delete trigger (cascades included) drops both. Passages are replaced, never updated: an UPDATE
 * of their text or id would leave the index behind, so it is refused.
 */
import { sql, type Kysely } from 'kysely';
import * as search from './0007-search.js';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE document_pages ADD COLUMN sealing INTEGER NOT NULL DEFAULT 0`.execute(db);
  await sql`ALTER TABLE passages ADD COLUMN sealing INTEGER NOT NULL DEFAULT 0`.execute(db);

  await sql`DROP TRIGGER passages_fts_update`.execute(db);
  await sql`DROP TRIGGER passages_fts_delete`.execute(db);
  await sql`DROP TRIGGER passages_fts_insert`.execute(db);
  await sql`DROP TABLE passages_fts`.execute(db);
  await sql`CREATE VIRTUAL TABLE passages_fts USING fts5(
    text,
    content = '',
    contentless_delete = 1,
    tokenize = 'unicode61 remove_diacritics 2'
  )`.execute(db);

  await sql`CREATE TRIGGER passages_fts_insert AFTER INSERT ON passages BEGIN
    INSERT INTO passages_fts_rows (passage_id) VALUES (new.id);
  END`.execute(db);
  await sql`CREATE TRIGGER passages_fts_delete AFTER DELETE ON passages BEGIN
    DELETE FROM passages_fts
      WHERE rowid = (SELECT rowid FROM passages_fts_rows WHERE passage_id = old.id);
    DELETE FROM passages_fts_rows WHERE passage_id = old.id;
  END`.execute(db);
  await sql`CREATE TRIGGER passages_fts_update BEFORE UPDATE OF id, text, sealing ON passages BEGIN
    SELECT RAISE(ABORT, 'passages are replaced, not updated (their index entry would go stale)');
  END`.execute(db);

  // Every row is plaintext here: index it again (the start-up empties it when search is off).
  await sql`INSERT INTO passages_fts (rowid, text)
    SELECT r.rowid, p.text FROM passages_fts_rows r JOIN passages p ON p.id = r.passage_id
    WHERE p.sealing = 0`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TRIGGER IF EXISTS passages_fts_update`.execute(db);
  await sql`DROP TRIGGER IF EXISTS passages_fts_delete`.execute(db);
  await sql`DROP TRIGGER IF EXISTS passages_fts_insert`.execute(db);
  await sql`DROP TABLE IF EXISTS passages_fts`.execute(db);
  await sql`DROP TABLE IF EXISTS passages_fts_rows`.execute(db);
  // Sealed rows cannot go back to a schema that has no place to say so.
  await sql`DELETE FROM passages WHERE sealing <> 0`.execute(db);
  await sql`DELETE FROM document_pages WHERE sealing <> 0`.execute(db);
  await search.up(db);
  await sql`ALTER TABLE passages DROP COLUMN sealing`.execute(db);
  await sql`ALTER TABLE document_pages DROP COLUMN sealing`.execute(db);
}
