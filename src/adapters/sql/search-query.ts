/**
 * What the SQL SearchIndex adapters share (see sql/search-index.ts; the query itself is planned
 * by sql/query-plan.ts): the scope (the tenant's ready documents and the filters) and the
 * highlights, computed in TypeScript from the plan's words, so both adapters answer them
 * identically.
 */
import { sql, type RawBuilder } from 'kysely';
import type { Analyzer } from '../../shared/analyze.js';
import type { SearchFilters, SearchHit } from '../../ports/search-index.js';
import { places, type ContentCipher } from './content-cipher.js';
import { planSpans, type QueryPlan } from './query-plan.js';

/**
 * Conditions on `p` (passages) and `d` (documents) for the tenant's ready documents and the
 * filters; tags must all be present (document_tags).
 */
export function scopeConditions(
  tenantId: string,
  filters: SearchFilters,
  includeNavigation = false,
): RawBuilder<unknown> {
  const conditions: RawBuilder<unknown>[] = [
    sql`p.tenant_id = ${tenantId}`,
    sql`d.tenant_id = ${tenantId}`,
    sql`d.status = 'ready'`,
  ];
  if (!includeNavigation) conditions.push(sql`p.navigation = 0`);
  const ids = [...new Set(filters.document_ids ?? [])];
  if (filters.document_ids !== undefined) {
    conditions.push(
      ids.length === 0
        ? sql`1 = 0`
        : sql`p.document_id in (${sql.join(ids.map((id) => sql`${id}`))})`,
    );
  }
  if (filters.media_type !== undefined) conditions.push(sql`d.media_type = ${filters.media_type}`);
  const tags = [...new Set(filters.tags ?? [])];
  if (tags.length > 0) {
    conditions.push(
      sql`(select count(distinct t.tag) from document_tags t
            where t.document_id = d.id and t.tenant_id = ${tenantId}
              and t.tag in (${sql.join(tags.map((tag) => sql`${tag}`))})) = ${tags.length}`,
    );
  }
  return sql.join(conditions, sql` and `);
}

export interface HitRow {
  passage_id: string;
  document_id: string;
  page: number | string;
  page_end: number | string;
  /** A JSON array. */
  heading_path: string;
  /** As stored: opened with `sealing` (sql/content-cipher.ts) before it is shown. */
  text: string;
  sealing: number | string;
  score: number | string;
}

/** The hits of one tenant's query, their text opened (highlights are found in the plaintext). */
export function toHits(
  rows: HitRow[],
  plan: QueryPlan,
  tenantId: string,
  cipher: ContentCipher,
  analyzer: Analyzer,
): SearchHit[] {
  return rows.map((row) => {
    const text = cipher.open(
      row.text,
      Number(row.sealing),
      places.passage(tenantId, row.document_id, row.passage_id),
    );
    return {
      passage_id: row.passage_id,
      document_id: row.document_id,
      page: Number(row.page),
      page_end: Math.max(Number(row.page), Number(row.page_end)),
      heading_path: JSON.parse(row.heading_path) as string[],
      score: Number(row.score),
      text,
      highlights: planSpans(plan, analyzer, text),
    };
  });
}
