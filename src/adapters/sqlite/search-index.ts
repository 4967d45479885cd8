/**
 * SearchIndex on SQLite FTS5 (migrations/sqlite/0007-search.ts). Each query word is a quoted
 * FTS5 string, OR-joined, so operators, columns filters, prefixes and NEAR in user text are
 * plain words. Ranked by FTS5's `bm25()` (lower is better there; negated so higher is better).
 */
import { sql } from 'kysely';
import type { SearchIndex } from '../../ports/search-index.js';
import type { SqlDatabase } from '../sql/database.js';
import { queryTerms, scopeConditions, toHits, type HitRow } from '../sql/search-query.js';

/** `"word" OR "word"`: each term a literal FTS5 string (quotes doubled, though words have none). */
export function fts5Match(terms: string[]): string {
  return terms.map((term) => `"${term.replaceAll('"', '""')}"`).join(' OR ');
}

export function createSqliteSearchIndex(database: SqlDatabase): SearchIndex {
  return {
    async search(tenantId, query) {
      const terms = queryTerms(query.text);
      if (terms.length === 0) return { hits: [] };
      const { rows } = await sql<HitRow>`
        select p.id as passage_id, p.document_id, p.page, p.text, -bm25(passages_fts) as score
        from passages_fts
        join passages_fts_rows r on r.rowid = passages_fts.rowid
        join passages p on p.id = r.passage_id
        join documents d on d.id = p.document_id
        where passages_fts match ${fts5Match(terms)}
          and ${scopeConditions(tenantId, query.filters)}
        order by score desc, p.id
        limit ${query.limit}`.execute(database.db);
      return { hits: toHits(rows, terms) };
    },
  };
}
