/**
 * SearchIndex on PostgreSQL (migrations/postgres/0007-search.ts: `passages.search` tsvector,
 * GIN; written by the content store since 0009). The query words are folded by the same SQL expression as the index and parsed with the
 * same `simple` configuration; the resulting lexemes are OR-joined as quoted tsquery literals,
 * so no user text is read as tsquery syntax.
 *
 * Ranking is Okapi BM25 (k1 = 1.2, b = 0.75), not `ts_rank_cd`, which has no inverse document
 * frequency (a rare word would count no more than "the") and so would rank unlike SQLite's
 * bm25(). Statistics come from the search scope (the tenant's ready passages under the filters):
 * N and the average length from one aggregate over it, document frequencies exactly from the
 * matched passages (every passage containing a word matches the OR query), term frequencies
 * from the tsvector's positions, lengths from `word_count`.
 */
import { sql, type RawBuilder } from 'kysely';
import type { SearchIndex } from '../../ports/search-index.js';
import type { ContentCipher } from '../sql/content-cipher.js';
import type { Analyzer } from '../../shared/analyze.js';
import type { SqlDatabase, SqlExecutor } from '../sql/database.js';
import { queryTerms, scopeConditions, toHits, type HitRow } from '../sql/search-query.js';
import { MARKS_PATTERN } from '../../migrations/postgres/0007-search.js';

const K1 = 1.2;
const B = 0.75;

/**
 * The tsvector of `text`, accents removed: what the content store writes to `passages.search`
 * (migration 0009) and what the query words are parsed with, so both fold alike.
 */
export function tsvectorOf(text: string): RawBuilder<string> {
  return sql<string>`to_tsvector(
    'simple'::regconfig,
    regexp_replace(normalize(cast(${text} as text), NFKD), cast(${MARKS_PATTERN} as text), '', 'g')
  )`;
}

/** Empties the index (search turned off); true when there was something to empty. */
export async function clearPostgresIndex(db: SqlExecutor): Promise<boolean> {
  const result = await sql`update passages set search = null where search is not null`.execute(db);
  return (result.numAffectedRows ?? 0n) > 0n;
}

export function createPostgresSearchIndex(
  database: SqlDatabase,
  cipher: ContentCipher,
  analyzer: Analyzer,
): SearchIndex {
  return {
    async search(tenantId, query) {
      const terms = queryTerms(query.text, analyzer);
      if (terms.length === 0) return { hits: [] };
      const words = terms.join(' ');
      const scope = scopeConditions(tenantId, query.filters, query.includeNavigation);
      const { rows } = await sql<HitRow>`
        with lexemes as (
          select tsvector_to_array(${tsvectorOf(words)}) as list
        ),
        q as (
          select list,
            (select string_agg(quote_literal(l), ' | ') from unnest(list) as l)::tsquery as query
          from lexemes
        ),
        stats as (
          select count(*)::float8 as n, coalesce(avg(greatest(p.word_count, 1)), 1)::float8 as avgdl
          from passages p
          join documents d on d.id = p.document_id
          where ${scope}
        ),
        matched as (
          select p.id, greatest(p.word_count, 1)::float8 as dl, p.search
          from passages p
          join documents d on d.id = p.document_id, q
          where ${scope} and p.search @@ q.query
        ),
        terms as (
          select m.id, m.dl, t.lexeme, cardinality(t.positions)::float8 as tf
          from matched m
          cross join q
          -- Only the query's lexemes: marked with weight A (the index has only D), kept by weight.
          cross join lateral unnest(ts_filter(setweight(m.search, 'A', q.list), '{a}'))
            as t(lexeme, positions, weights)
        ),
        df as (
          select lexeme, count(*)::float8 as df from terms group by lexeme
        ),
        scores as (
          select terms.id,
            sum(
              ln(1 + (stats.n - df.df + 0.5) / (df.df + 0.5))
              * terms.tf * ${sql.lit(K1 + 1)}
              / (terms.tf + ${sql.lit(K1)} * (${sql.lit(1 - B)} + ${sql.lit(B)} * terms.dl / stats.avgdl))
            ) as score
          from terms
          join df on df.lexeme = terms.lexeme
          cross join stats
          group by terms.id
        ),
        best as (
          select id, score from scores order by score desc, id limit ${query.limit}
        )
        select p.id as passage_id, p.document_id, p.page, p.page_end, p.heading_path, p.text, p.sealing, best.score
        from best
        join passages p on p.id = best.id
        order by best.score desc, p.id`.execute(database.db);
      return { hits: toHits(rows, terms, tenantId, cipher, analyzer) };
    },
  };
}
