/**
 * SearchIndex on SQLite FTS5 (migrations/sqlite/0007-search.ts, 0009). Each query word is a quoted
 * FTS5 string, OR-joined, so operators, columns filters, prefixes and NEAR in user text are
 * plain words. Ranked by FTS5's `bm25()` (lower is better there; negated so higher is better).
 */
import { sql } from 'kysely';
import type { SearchIndex } from '../../ports/search-index.js';
import type { ContentCipher } from '../sql/content-cipher.js';
import type { Analyzer } from '../../shared/analyze.js';
import type { SqlDatabase, SqlExecutor } from '../sql/database.js';
import { queryTerms, scopeConditions, toHits, type HitRow } from '../sql/search-query.js';

/** Index entries per INSERT (two bound parameters each). */
const INDEX_BATCH = 500;

/**
 * Indexes passages already inserted (their insert trigger gave each its FTS rowid) from their
 * plaintext: the content store calls it, since `passages.text` may be sealed (migration 0009).
 */
export async function indexSqlitePassages(
  db: SqlExecutor,
  entries: { id: string; text: string }[],
): Promise<void> {
  for (let start = 0; start < entries.length; start += INDEX_BATCH) {
    const values = entries
      .slice(start, start + INDEX_BATCH)
      .map((entry) => sql`(${entry.id}, ${entry.text})`);
    await sql`insert into passages_fts (rowid, text)
      select r.rowid, v.column2
      from (values ${sql.join(values)}) as v
      join passages_fts_rows r on r.passage_id = v.column1`.execute(db);
  }
}

/** Empties the index (search turned off): FTS5's own command for a contentless table. */
export async function clearSqliteIndex(db: SqlExecutor): Promise<void> {
  await sql`insert into passages_fts (passages_fts) values ('delete-all')`.execute(db);
}

/** `"word" OR "word"`: each term a literal FTS5 string (quotes doubled, though words have none). */
export function fts5Match(terms: string[]): string {
  return terms.map((term) => `"${term.replaceAll('"', '""')}"`).join(' OR ');
}

export function createSqliteSearchIndex(
  database: SqlDatabase,
  cipher: ContentCipher,
  analyzer: Analyzer,
): SearchIndex {
  return {
    async search(tenantId, query) {
      const terms = queryTerms(query.text, analyzer);
      if (terms.length === 0) return { hits: [] };
      const { rows } = await sql<HitRow>`
        select p.id as passage_id, p.document_id, p.page, p.page_end, p.heading_path, p.text, p.sealing, -bm25(passages_fts) as score
        from passages_fts
        join passages_fts_rows r on r.rowid = passages_fts.rowid
        join passages p on p.id = r.passage_id
        join documents d on d.id = p.document_id
        where passages_fts match ${fts5Match(terms)}
          and ${scopeConditions(tenantId, query.filters, query.includeNavigation)}
        order by score desc, p.id
        limit ${query.limit}`.execute(database.db);
      return { hits: toHits(rows, terms, tenantId, cipher, analyzer) };
    },
  };
}
