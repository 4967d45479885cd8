/**
 * SearchIndex on PostgreSQL (migrations/postgres/0007-search.ts: `passages.search` tsvector,
 * GIN; written by the content store since 0009, its fields as weights since issue 18: A title,
 * B heading path, D text). The query is parsed (domain/query-parser.ts) and written as tsquery
 * text by sql/query-plan.ts, every word a quoted literal, then folded by the same SQL expression
 * as the index and read by `to_tsquery` with the same `simple` configuration, so no user text
 * is read as tsquery syntax.
 *
 * Ranking is Okapi BM25 (k1 = 1.2, b = 0.75), not `ts_rank_cd`, which has no inverse document
 * frequency (a rare word would count no more than "the") and so would rank unlike SQLite's
 * bm25(). Statistics come from the search scope (the tenant's ready passages under the filters):
 * N and the average length from one aggregate over it, document frequencies exactly from the
 * matched passages, term frequencies from the tsvector's positions, each counted by its
 * field's weight (FIELD_WEIGHTS, BM25F-style), lengths from `word_count`.
 */
import { sql, type RawBuilder } from 'kysely';
import type { SearchIndex } from '../../ports/search-index.js';
import type { ContentCipher } from '../sql/content-cipher.js';
import type { Analyzer } from '../../shared/analyze.js';
import type { SqlDatabase, SqlExecutor } from '../sql/database.js';
import { scopeConditions, toHits, type HitRow } from '../sql/search-query.js';
import { nearestHits } from '../sql/vector-search.js';
import { FIELD_WEIGHTS, planQuery, tsqueryText } from '../sql/query-plan.js';
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

/**
 * The tsvector of a passage's fields: title (weight A), heading path (B), text (D); what the
 * content store writes to `passages.search`.
 */
export function fieldsTsvector(fields: {
  title: string;
  heading: string;
  text: string;
}): RawBuilder<string> {
  return sql<string>`(setweight(${tsvectorOf(fields.title)}, 'A')
    || setweight(${tsvectorOf(fields.heading)}, 'B')
    || ${tsvectorOf(fields.text)})`;
}

export function createPostgresSearchIndex(
  database: SqlDatabase,
  cipher: ContentCipher,
  analyzer: Analyzer,
): SearchIndex {
  return {
    async search(tenantId, query) {
      const plan = planQuery(query.text, analyzer, query.parsed);
      const text = plan.node === null ? null : tsqueryText(plan.node);
      if (text === null) return { hits: [] };
      const scope = scopeConditions(tenantId, query.filters, query.includeNavigation);
      // Each literal folded as the index was (accents removed), then parsed by to_tsquery.
      const tsquery = sql`to_tsquery('simple'::regconfig,
        regexp_replace(normalize(cast(${text} as text), NFKD), cast(${MARKS_PATTERN} as text), '', 'g'))`;
      const { rows } = await sql<HitRow>`
        with q as (
          select ${tsquery} as query,
            cast(${sql.val(plan.rankTerms)} as text[]) as list,
            cast(${sql.val(plan.rankPrefixes)} as text[]) as prefixes
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
          -- The ranking words' occurrences, each counted by its field's weight.
          select m.id, m.dl, t.lexeme,
            (select sum(case w when 'A' then ${sql.lit(FIELD_WEIGHTS.title)}
                               when 'B' then ${sql.lit(FIELD_WEIGHTS.heading)}
                               else ${sql.lit(FIELD_WEIGHTS.text)} end)
             from unnest(t.weights) as w)::float8 as tf
          from matched m
          cross join q
          cross join lateral unnest(m.search) as t(lexeme, positions, weights)
          where t.lexeme = any(q.list)
            or exists (select 1 from unnest(q.prefixes) as x where starts_with(t.lexeme, x))
        ),
        df as (
          select lexeme, count(*)::float8 as df from terms group by lexeme
        ),
        scores as (
          select m.id,
            coalesce(sum(
              ln(1 + (stats.n - df.df + 0.5) / (df.df + 0.5))
              * terms.tf * ${sql.lit(K1 + 1)}
              / (terms.tf + ${sql.lit(K1)} * (${sql.lit(1 - B)} + ${sql.lit(B)} * terms.dl / stats.avgdl))
            ), 0) as score
          from matched m
          cross join stats
          left join terms on terms.id = m.id
          left join df on df.lexeme = terms.lexeme
          group by m.id
        ),
        best as (
          select id, score from scores order by score desc, id limit ${query.limit}
        )
        select p.id as passage_id, p.document_id, p.page, p.page_end, p.heading_path, p.text, p.sealing, best.score
        from best
        join passages p on p.id = best.id
        order by best.score desc, p.id`.execute(database.db);
      return { hits: toHits(rows, plan, tenantId, cipher, analyzer) };
    },
    async nearest(tenantId, query) {
      return { hits: await nearestHits(database, cipher, analyzer, tenantId, query) };
    },
  };
}
