/**
 * Reciprocal rank fusion (Cormack et al., 2009): an item's fused score is the sum over the
 * rankings it appears in of 1 / (k + rank), ranks from 1. It needs no calibration between the
 * rankers' scores (BM25 and cosine are not comparable), only their orders. Shared by rerank's
 * hybrid and hybrid search, so both fuse alike.
 */

/** The k of every fusion here: 60, the paper's value. */
export const RRF_K = 60;

/** The most an item can score in `rankings` fusions: first in each. */
export function bestFusedScore(rankings: number): number {
  return rankings / (RRF_K + 1);
}

/** Each item's fused score; an item missing from a ranking gets nothing from it. */
export function reciprocalRankFusion<T>(rankings: readonly (readonly T[])[]): Map<T, number> {
  const fused = new Map<T, number>();
  for (const ranking of rankings) {
    ranking.forEach((item, rank) => {
      fused.set(item, (fused.get(item) ?? 0) + 1 / (RRF_K + rank + 1));
    });
  }
  return fused;
}
