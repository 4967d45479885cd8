/**
 * Nearest passages by cosine, for both SQL SearchIndex adapters (no vector extension is assumed:
 * PostgreSQL's pgvector is not there). Brute force: the tenant's vectors of the model, under the
 * search scope, are read in pages of passage ids and scored in TypeScript (the vectors are
 * L2-normalised, so cosine is the dot product), keeping only the best `limit` — memory stays
 * bounded by a page, time grows with the tenant's passages (docs/api.md gives the figures).
 */
import { sql } from 'kysely';
import type { Analyzer } from '../../shared/analyze.js';
import type { NearestQuery, SearchHit } from '../../ports/search-index.js';
import type { ContentCipher } from './content-cipher.js';
import type { SqlDatabase } from './database.js';
import { planQuery } from './query-plan.js';
import { scopeConditions, toHits, type HitRow } from './search-query.js';
import { vectorOf } from './vector-bytes.js';

/** Vectors read per statement: 2 000 × 384 dimensions is 3 MB. */
const PAGE = 2000;

interface Scored {
  id: string;
  score: number;
}

/** Better: higher score, then the smaller passage id (the order every answer uses). */
function better(a: Scored, b: Scored): boolean {
  return a.score > b.score || (a.score === b.score && a.id < b.id);
}

/** The best `limit` entries seen, best first; an insertion sort, since `limit` is small. */
class TopK {
  readonly entries: Scored[] = [];
  constructor(private readonly limit: number) {}

  offer(entry: Scored): void {
    const { entries } = this;
    const worst = entries[entries.length - 1];
    if (entries.length >= this.limit && worst !== undefined && !better(entry, worst)) return;
    let at = entries.length;
    while (at > 0 && better(entry, entries[at - 1] as Scored)) at--;
    entries.splice(at, 0, entry);
    if (entries.length > this.limit) entries.pop();
  }
}

function dot(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += (a[i] as number) * (b[i] as number);
  return sum;
}

export async function nearestHits(
  database: SqlDatabase,
  cipher: ContentCipher,
  analyzer: Analyzer,
  tenantId: string,
  query: NearestQuery,
): Promise<SearchHit[]> {
  const dimensions = query.vector.length;
  if (dimensions === 0 || query.limit < 1) return [];
  const scope = scopeConditions(tenantId, query.filters, query.includeNavigation);
  const best = new TopK(query.limit);
  for (let after = ''; ;) {
    // `p` is passage_vectors here: it carries the passage columns the scope reads (tenant,
    // document, navigation), so only `documents` is joined.
    const { rows } = await sql<{ passage_id: string; vector: Uint8Array }>`
      select p.passage_id, p.vector from passage_vectors p
      join documents d on d.id = p.document_id
      where p.model = ${query.model} and p.dimensions = ${dimensions}
        and p.passage_id > ${after} and ${scope}
      order by p.passage_id
      limit ${PAGE}`.execute(database.db);
    for (const row of rows) {
      best.offer({ id: row.passage_id, score: dot(query.vector, vectorOf(row.vector)) });
    }
    const last = rows[rows.length - 1];
    if (last === undefined || rows.length < PAGE) break;
    after = last.passage_id;
  }
  if (best.entries.length === 0) return [];
  const scores = new Map(best.entries.map((entry) => [entry.id, entry.score]));
  const { rows } = await sql<HitRow>`
    select p.id as passage_id, p.document_id, p.page, p.page_end, p.heading_path, p.text, p.sealing,
      0 as score
    from passages p
    where p.tenant_id = ${tenantId}
      and p.id in (${sql.join([...scores.keys()].map((id) => sql`${id}`))})`.execute(database.db);
  const plan = planQuery(query.text, analyzer, query.parsed);
  return toHits(rows, plan, tenantId, cipher, analyzer)
    .map((hit) => ({ ...hit, score: scores.get(hit.passage_id) ?? 0 }))
    .sort((a, b) =>
      better({ id: a.passage_id, score: a.score }, { id: b.passage_id, score: b.score }) ? -1 : 1,
    );
}
