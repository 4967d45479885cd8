/**
 * SQLite passage search: an FTS5 index kept in step with `passages` by triggers, so indexing
 * commits or rolls back with the passages themselves (and cascade deletes are covered too).
 *
 * `passages` has a text primary key and its implicit rowid may be renumbered by VACUUM, so it
 * cannot be the FTS rowid. `passages_fts_rows` gives each passage a stable integer; the FTS5
 * table is contentless (`content=''`: the text is stored once, in `passages`) and rows are
 * removed with FTS5's 'delete' command, which the triggers feed the exact old text.
 * Tokenizer `unicode61 remove_diacritics 2`: Unicode letters and numbers, case-folded, accents
 * removed, the same words shared/tokenize.ts makes for the query and the highlights.
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE TABLE passages_fts_rows (
    rowid INTEGER PRIMARY KEY,
    passage_id TEXT NOT NULL UNIQUE
  )`.execute(db);
  await sql`CREATE VIRTUAL TABLE passages_fts USING fts5(
    text,
    content = '',
    tokenize = 'unicode61 remove_diacritics 2'
  )`.execute(db);

  await sql`CREATE TRIGGER passages_fts_insert AFTER INSERT ON passages BEGIN
    INSERT INTO passages_fts_rows (passage_id) VALUES (new.id);
    INSERT INTO passages_fts (rowid, text)
      SELECT rowid, new.text FROM passages_fts_rows WHERE passage_id = new.id;
  END`.execute(db);
  await sql`CREATE TRIGGER passages_fts_delete AFTER DELETE ON passages BEGIN
    INSERT INTO passages_fts (passages_fts, rowid, text)
      SELECT 'delete', rowid, old.text FROM passages_fts_rows WHERE passage_id = old.id;
    DELETE FROM passages_fts_rows WHERE passage_id = old.id;
  END`.execute(db);
  await sql`CREATE TRIGGER passages_fts_update AFTER UPDATE OF id, text ON passages BEGIN
    INSERT INTO passages_fts (passages_fts, rowid, text)
      SELECT 'delete', rowid, old.text FROM passages_fts_rows WHERE passage_id = old.id;
    DELETE FROM passages_fts_rows WHERE passage_id = old.id;
    INSERT INTO passages_fts_rows (passage_id) VALUES (new.id);
    INSERT INTO passages_fts (rowid, text)
      SELECT rowid, new.text FROM passages_fts_rows WHERE passage_id = new.id;
  END`.execute(db);

  // Backfill what was extracted before this migration.
  await sql`INSERT INTO passages_fts_rows (passage_id) SELECT id FROM passages ORDER BY id`.execute(
    db,
  );
  await sql`INSERT INTO passages_fts (rowid, text)
    SELECT r.rowid, p.text FROM passages_fts_rows r JOIN passages p ON p.id = r.passage_id`.execute(
    db,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TRIGGER IF EXISTS passages_fts_update`.execute(db);
  await sql`DROP TRIGGER IF EXISTS passages_fts_delete`.execute(db);
  await sql`DROP TRIGGER IF EXISTS passages_fts_insert`.execute(db);
  await sql`DROP TABLE IF EXISTS passages_fts`.execute(db);
  await sql`DROP TABLE IF EXISTS passages_fts_rows`.execute(db);
}
