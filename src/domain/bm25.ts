/**
 * BM25 over the documents of one request (the corpus is the request's documents, as Cohere-style
 * rerankers do), and TF-IDF cosine similarity. Pure functions with no I/O, so they run the same
 * on the request thread and in the lexical scoring threads (src/threads/lexical-scoring.ts).
 *
 * BM25: score(D, Q) = Σ over the distinct query terms t of
 *   IDF(t) · tf(t, D) · (k1 + 1) / (tf(t, D) + k1 · (1 − b + b · |D| / avgdl))
 * with IDF(t) = ln(1 + (N − df(t) + 0.5) / (df(t) + 0.5)), N documents, df(t) the documents that
 * contain t, |D| the tokens of D and avgdl their mean. A query term repeated in the query counts
 * once (as Lucene does for a plain query).
 *
 * Speed: only query terms matter, so an ASCII document (the common case) is never split into a
 * token array or a term map: it is lower-cased once, its tokens are counted in one scan of its
 * characters, and each query term's occurrences are found with `indexOf` plus a word-boundary
 * check on both sides — for ASCII text exactly the tokens `tokenize` gives (runs of letters and
 * digits, lower-cased). Other documents go through `tokenize` (src/shared/tokenize.ts: NFKD,
 * marks dropped, lower case), counting only the query's terms.
 */
import type { Bm25Params } from '../ports/lexical-scorer.js';
import { tokenize } from '../shared/tokenize.js';

export const DEFAULT_BM25: Bm25Params = { k1: 1.2, b: 0.75 };

/** BM25's IDF (the Lucene form: never negative, even for a term in every document). */
export function idf(documentCount: number, documentFrequency: number): number {
  return Math.log(1 + (documentCount - documentFrequency + 0.5) / (documentFrequency + 0.5));
}

/** 1 for ASCII letters and digits: the word characters of an ASCII text (256: any byte). */
const ASCII_WORD = new Uint8Array(256);
for (let code = 0; code < 128; code++) {
  ASCII_WORD[code] =
    (code >= 48 && code <= 57) || (code >= 97 && code <= 122) || (code >= 65 && code <= 90) ? 1 : 0;
}

/** ASCII exactly when its UTF-8 length is its UTF-16 length (one native call, no regex scan). */
const isAscii = (text: string): boolean => Buffer.byteLength(text, 'utf8') === text.length;

/**
 * Scanning bytes copied out natively is ~3× faster than charCodeAt over the string; one buffer
 * per thread, grown on demand (a document is at most 50,000 characters).
 */
let scratch = Buffer.allocUnsafe(64 * 1024);

const isAsciiWord = (text: string, index: number): boolean =>
  ASCII_WORD[text.charCodeAt(index)] === 1;

/** Tokens in an ASCII text: the number of maximal runs of letters and digits. */
export function countAsciiTokens(text: string): number {
  if (scratch.length < text.length) scratch = Buffer.allocUnsafe(text.length * 2);
  const bytes = scratch;
  const length = bytes.write(text, 0, text.length, 'latin1');
  // Branch-free: a token starts where a word character follows a non-word one.
  let count = 0;
  let previous = 0;
  for (let i = 0; i < length; i++) {
    const word = ASCII_WORD[bytes[i] ?? 0] ?? 0;
    count += word & ~previous;
    previous = word;
  }
  return count;
}

/** Occurrences of `term` (one token) as a whole token of a lower-cased ASCII text. */
export function countAsciiTerm(lowered: string, term: string): number {
  let count = 0;
  let from = 0;
  for (;;) {
    const at = lowered.indexOf(term, from);
    if (at === -1) return count;
    const end = at + term.length;
    if (
      (at === 0 || !isAsciiWord(lowered, at - 1)) &&
      (end >= lowered.length || !isAsciiWord(lowered, end))
    ) {
      count++;
      from = end;
    } else {
      from = at + 1;
    }
  }
}

/**
 * How often each query term occurs in a document, into `counts` from `at` (one slot per term;
 * `termIndex` maps each term to its slot); returns the document's length in tokens.
 */
function countDocument(
  text: string,
  terms: readonly string[],
  termIndex: ReadonlyMap<string, number>,
  counts: Float64Array,
  at: number,
): number {
  if (isAscii(text)) {
    const length = countAsciiTokens(text);
    if (length === 0) return 0;
    const lowered = text.toLowerCase();
    for (let t = 0; t < terms.length; t++) counts[at + t] = countAsciiTerm(lowered, terms[t] ?? '');
    return length;
  }
  const tokens = tokenize(text);
  for (const token of tokens) {
    const slot = termIndex.get(token);
    if (slot !== undefined) counts[at + slot] = (counts[at + slot] ?? 0) + 1;
  }
  return tokens.length;
}

/** The distinct tokens of a query, in first-seen order. */
export function queryTerms(query: string): string[] {
  return [...new Set(tokenize(query))];
}

/**
 * What BM25 needs from each document, packed: for document d, slot d·(q + 1) holds its length in
 * tokens and the q slots after it how often each of `terms` occurs in it. The counting is the
 * costly part and documents are independent, so a big request's documents can be counted in
 * slices on several threads and the slices concatenated (bm25FromCounts gives the same scores).
 */
export function bm25Counts(terms: readonly string[], documents: readonly string[]): Float64Array {
  const stride = terms.length + 1;
  const counts = new Float64Array(documents.length * stride);
  if (terms.length === 0) return counts;
  const termIndex = new Map(terms.map((term, slot) => [term, slot]));
  for (let d = 0; d < documents.length; d++) {
    counts[d * stride] = countDocument(
      documents[d] ?? '',
      terms,
      termIndex,
      counts,
      d * stride + 1,
    );
  }
  return counts;
}

/** Raw BM25 scores from bm25Counts' packing for `termCount` query terms, in document order. */
export function bm25FromCounts(
  counts: Float64Array,
  termCount: number,
  params: Bm25Params = DEFAULT_BM25,
): Float64Array {
  const q = termCount;
  const stride = q + 1;
  const n = Math.floor(counts.length / stride);
  const scores = new Float64Array(n);
  if (n === 0 || q === 0) return scores;

  const df = new Uint32Array(q);
  let totalLength = 0;
  for (let d = 0; d < n; d++) {
    totalLength += counts[d * stride] ?? 0;
    for (let t = 0; t < q; t++) if ((counts[d * stride + 1 + t] ?? 0) > 0) df[t] = (df[t] ?? 0) + 1;
  }
  if (totalLength === 0) return scores;

  const avgdl = totalLength / n;
  const { k1, b } = params;
  const idfs = Array.from(df, (frequency) => idf(n, frequency));
  for (let d = 0; d < n; d++) {
    const norm = k1 * (1 - b + (b * (counts[d * stride] ?? 0)) / avgdl);
    let score = 0;
    for (let t = 0; t < q; t++) {
      const f = counts[d * stride + 1 + t] ?? 0;
      if (f > 0) score += ((idfs[t] ?? 0) * f * (k1 + 1)) / (f + norm);
    }
    scores[d] = score;
  }
  return scores;
}

/** Raw BM25 scores of every document against the query, in document order. */
export function bm25Scores(
  query: string,
  documents: readonly string[],
  params: Bm25Params = DEFAULT_BM25,
): Float64Array {
  const terms = queryTerms(query);
  if (terms.length === 0) return new Float64Array(documents.length);
  return bm25FromCounts(bm25Counts(terms, documents), terms.length, params);
}

/** Document indexes by score, highest first; equal scores by index, lowest first. */
export function rankByScore(scores: ArrayLike<number>): number[] {
  const order = Array.from({ length: scores.length }, (_, i) => i);
  return order.sort((a, b) => (scores[b] ?? 0) - (scores[a] ?? 0) || a - b);
}

/**
 * Lexical similarity of each target to the source: the cosine of TF-IDF vectors, the corpus
 * being the source and the targets (N = targets + 1), tf the raw count and IDF the BM25 form
 * above (positive, so every cosine is in [0, 1]). 0 when either text has no tokens.
 */
export function tfidfCosine(source: string, targets: readonly string[]): Float64Array {
  const texts = [source, ...targets];
  const n = texts.length;
  const counts = texts.map((text) => {
    const map = new Map<string, number>();
    for (const token of tokenize(text)) map.set(token, (map.get(token) ?? 0) + 1);
    return map;
  });
  const df = new Map<string, number>();
  for (const map of counts) for (const term of map.keys()) df.set(term, (df.get(term) ?? 0) + 1);
  const weights = new Map<string, number>();
  for (const [term, frequency] of df) weights.set(term, idf(n, frequency));

  const norm = (map: Map<string, number>): number => {
    let sum = 0;
    for (const [term, count] of map) sum += (count * (weights.get(term) ?? 0)) ** 2;
    return Math.sqrt(sum);
  };
  const sourceMap = counts[0] ?? new Map<string, number>();
  const sourceNorm = norm(sourceMap);
  const scores = new Float64Array(targets.length);
  if (sourceNorm === 0) return scores;
  for (let i = 0; i < targets.length; i++) {
    const map = counts[i + 1] ?? new Map<string, number>();
    const targetNorm = norm(map);
    if (targetNorm === 0) continue;
    let dot = 0;
    for (const [term, count] of sourceMap) {
      const other = map.get(term);
      if (other !== undefined) dot += count * other * (weights.get(term) ?? 0) ** 2;
    }
    // Rounding can put an identical pair a hair over 1.
    scores[i] = Math.min(1, dot / (sourceNorm * targetNorm));
  }
  return scores;
}
