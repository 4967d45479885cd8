/**
 * SearchIndex on SQLite FTS5 (migrations/sqlite/0007-search.ts, 0009, 0015: columns title,
 * heading, text). The query is parsed (domain/query-parser.ts) and written as an FTS5 expression
 * by sql/query-plan.ts, every word a quoted FTS5 string, so nothing a user types is read as FTS5
 * syntax. Ranked by FTS5's `bm25()` with the field weights (lower is better there; negated so
 * higher is better).
 */
import { sql } from 'kysely';
import type { SearchIndex } from '../../ports/search-index.js';
import type { ContentCipher } from '../sql/content-cipher.js';
import type { Analyzer } from '../../shared/analyze.js';
import type { SqlDatabase, SqlExecutor } from '../sql/database.js';
import { scopeConditions, toHits, type HitRow } from '../sql/search-query.js';
import { nearestHits } from '../sql/vector-search.js';
import { FIELD_WEIGHTS, fts5Expression, planQuery } from '../sql/query-plan.js';

/** Index entries per INSERT (four bound parameters each). */
const INDEX_BATCH = 500;

export interface SqliteIndexEntry {
  id: string;
  title: string;
  heading: string;
  text: string;
}

/**
 * Indexes passages already inserted (their insert trigger gave each its FTS rowid) from their
 * plaintext: the content store calls it, since `passages.text` may be sealed (migration 0009).
 */
export async function indexSqlitePassages(
  db: SqlExecutor,
  entries: SqliteIndexEntry[],
): Promise<void> {
  for (let start = 0; start < entries.length; start += INDEX_BATCH) {
    const values = entries
      .slice(start, start + INDEX_BATCH)
      .map((entry) => sql`(${entry.id}, ${entry.title}, ${entry.heading}, ${entry.text})`);
    await sql`insert into passages_fts (rowid, title, heading, text)
      select r.rowid, v.column2, v.column3, v.column4
      from (values ${sql.join(values)}) as v
      join passages_fts_rows r on r.passage_id = v.column1`.execute(db);
  }
}

/** Removes the index entries of these passages (to write them again: a retitled document). */
export async function unindexSqlitePassages(db: SqlExecutor, ids: string[]): Promise<void> {
  for (let start = 0; start < ids.length; start += INDEX_BATCH) {
    const batch = ids.slice(start, start + INDEX_BATCH);
    await sql`delete from passages_fts where rowid in (
      select rowid from passages_fts_rows
      where passage_id in (${sql.join(batch.map((id) => sql`${id}`))}))`.execute(db);
  }
}

/** Empties the index (search turned off): FTS5's own command for a contentless table. */
export async function clearSqliteIndex(db: SqlExecutor): Promise<void> {
  await sql`insert into passages_fts (passages_fts) values ('delete-all')`.execute(db);
}

export function createSqliteSearchIndex(
  database: SqlDatabase,
  cipher: ContentCipher,
  analyzer: Analyzer,
): SearchIndex {
  const { title, heading, text } = FIELD_WEIGHTS;
  return {
    async search(tenantId, query) {
      const plan = planQuery(query.text, analyzer, query.parsed);
      const match = plan.node === null ? null : fts5Expression(plan.node);
      if (match === null) return { hits: [] };
      const { rows } = await sql<HitRow>`
        select p.id as passage_id, p.document_id, p.page, p.page_end, p.heading_path, p.text, p.sealing,
          -bm25(passages_fts, ${sql.lit(title)}, ${sql.lit(heading)}, ${sql.lit(text)}) as score
        from passages_fts
        join passages_fts_rows r on r.rowid = passages_fts.rowid
        join passages p on p.id = r.passage_id
        join documents d on d.id = p.document_id
        where passages_fts match ${match}
          and ${scopeConditions(tenantId, query.filters, query.includeNavigation)}
        order by score desc, p.id
        limit ${query.limit}`.execute(database.db);
      return { hits: toHits(rows, plan, tenantId, cipher, analyzer) };
    },
    async nearest(tenantId, query) {
      return { hits: await nearestHits(database, cipher, analyzer, tenantId, query) };
    },
  };
}
