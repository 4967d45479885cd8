/**
 * Title and heading fields in the SQLite index (issue 18): `passages_fts` gets three columns —
 * the document's title, the passage's heading path and its text — so bm25() can weigh a match in
 * a title or heading above one in the text (adapters/sql/query-plan.ts FIELD_WEIGHTS) and the
 * query language can restrict a word to one (`title:`, `heading:`).
 *
 * FTS5 cannot add a column, and the old index is contentless (its terms cannot be read back) and
 * its rows may be sealed (migration 0009): the table is made again empty, and every passage is
 * due a re-index — the passage scheme (composition/adapters.ts passageScheme) now records the
 * index format, so the workers' re-index at start (jobs/reindex.ts) cuts and indexes every ready
 * document again from its stored pages. Until its turn, a document is not found by search.
 *
 * PostgreSQL needs no migration: its `passages.search` tsvector carries the fields as weights
 * (A title, B headings, D text), written by the content store; the same re-index rewrites it.
 */
import { sql, type Kysely } from 'kysely';

const FIELDS = `CREATE VIRTUAL TABLE passages_fts USING fts5(
    title,
    heading,
    text,
    content = '',
    contentless_delete = 1,
    tokenize = 'unicode61 remove_diacritics 2'
  )`;

const TEXT_ONLY = `CREATE VIRTUAL TABLE passages_fts USING fts5(
    text,
    content = '',
    contentless_delete = 1,
    tokenize = 'unicode61 remove_diacritics 2'
  )`;

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE passages_fts`.execute(db);
  await sql.raw(FIELDS).execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  // The entries are lost either way: the re-index at start writes them again.
  await sql`DROP TABLE passages_fts`.execute(db);
  await sql.raw(TEXT_ONLY).execute(db);
}
