/**
 * A parsed search query (domain/query-parser.ts) as each engine's syntax: an FTS5 MATCH
 * expression for SQLite, a tsquery for PostgreSQL. Every word is the analyzer's term
 * (shared/analyze.ts: folded, stemmed with `english`) and reaches the engine only inside its
 * quoting (FTS5 strings with `"` doubled; tsquery literals with `'` and `\` doubled), so nothing
 * a user types is read as the engine's operators.
 *
 * Fields: the index has three — the document's title, the passage's heading path and its text
 * (migration 0015; PostgreSQL weights A, B and D in one tsvector). A word without a field may
 * match any of them; `title:` and `heading:` restrict it. FIELD_WEIGHTS boosts a match in the
 * title or a heading over one in the text (FTS5 bm25() column weights; PostgreSQL's BM25 counts
 * each occurrence by its weight).
 */
import type { QueryField, QueryNode } from '../../ports/search-index.js';
import { isStopWord, termOf, type Analyzer } from '../../shared/analyze.js';
import { distinctTokens, tokenize, tokenSpans } from '../../shared/tokenize.js';
import { MAX_QUERY_TERMS } from '../../ports/search-index.js';

/**
 * The index's format, part of every passage's scheme (composition/adapters.ts): a passage
 * indexed in another format is re-indexed at start. `fields-1`: title, heading and text fields.
 */
export const SEARCH_INDEX_FORMAT = 'fields-1';

/** How much an occurrence counts in each field (BM25F-style). */
export const FIELD_WEIGHTS = { title: 1, heading: 2, text: 1 } as const;

/** PostgreSQL's tsvector weight of each field (text is D, the default). */
export const FIELD_LABELS: Record<QueryField, 'A' | 'B'> = { title: 'A', heading: 'B' };

export interface QueryPlan {
  /** The tree, its words turned into index terms and stop words dropped; null: no hits. */
  node: QueryNode | null;
  /** Whole terms that count for ranking (positive clauses only). */
  rankTerms: string[];
  /** Prefixes that count for ranking. */
  rankPrefixes: string[];
  /** Terms whose words are highlighted in a passage's text (no stop words, no field clauses). */
  highlightTerms: Set<string>;
  highlightPrefixes: string[];
  /** Stop words are highlighted only when the query has nothing else. */
  highlightStopWords: boolean;
}

/**
 * The plan of a query: `parsed` when the caller parsed it already (strictly or not), otherwise
 * `text` read leniently.
 */
export function planQuery(text: string, analyzer: Analyzer, parsed?: QueryNode): QueryPlan {
  const tree = parsed ?? wordsOf(text);
  const keepStopWords = !hasContentWord(tree, analyzer);
  const node = analyze(tree, analyzer, keepStopWords);
  const plan: QueryPlan = {
    node: node === null || isEmpty(node) ? null : node,
    rankTerms: [],
    rankPrefixes: [],
    highlightTerms: new Set(),
    highlightPrefixes: [],
    highlightStopWords: keepStopWords,
  };
  if (plan.node !== null) {
    collectRank(plan.node, plan, true);
    collectHighlights(tree, plan, analyzer, keepStopWords);
  }
  plan.rankTerms = [...new Set(plan.rankTerms)];
  plan.rankPrefixes = [...new Set(plan.rankPrefixes)];
  return plan;
}

/** A query not parsed by the caller: its words as alternatives, no operators. */
function wordsOf(text: string): QueryNode {
  return {
    kind: 'bool',
    must: [],
    should: distinctTokens(text, MAX_QUERY_TERMS).map((word) => ({
      kind: 'term',
      word,
      prefix: false,
    })),
    mustNot: [],
  };
}

/** True when the node has nothing a result could match. */
export function isEmpty(node: QueryNode): boolean {
  if (node.kind !== 'bool') return false;
  return node.must.every(isEmpty) && node.should.every(isEmpty);
}

/** True when a positive clause has a word that is not a stop word (or a prefix). */
function hasContentWord(node: QueryNode, analyzer: Analyzer): boolean {
  if (node.kind === 'term') return node.prefix || !isStopWord(analyzer, node.word);
  if (node.kind === 'phrase') return node.words.some((word) => !isStopWord(analyzer, word));
  return [...node.must, ...node.should].some((child) => hasContentWord(child, analyzer));
}

/**
 * Words as index terms; an alternative that is a bare stop word is dropped unless the query has
 * nothing else (a phrase keeps its stop words: the index has them).
 */
function analyze(node: QueryNode, analyzer: Analyzer, keepStopWords: boolean): QueryNode | null {
  if (node.kind === 'term') {
    if (node.prefix) return node;
    return { ...node, word: termOf(analyzer, node.word) };
  }
  if (node.kind === 'phrase') {
    return { ...node, words: node.words.map((word) => termOf(analyzer, word)) };
  }
  const map = (children: QueryNode[]): QueryNode[] =>
    children
      .map((child) => analyze(child, analyzer, keepStopWords))
      .filter((child): child is QueryNode => child !== null && !isEmpty(child));
  const should = node.should.filter(
    (child) =>
      keepStopWords ||
      !(
        child.kind === 'term' &&
        !child.prefix &&
        child.field === undefined &&
        isStopWord(analyzer, child.word)
      ),
  );
  return {
    kind: 'bool',
    must: map(node.must),
    should: map(should),
    mustNot: node.mustNot
      .map((child) => analyze(child, analyzer, true))
      .filter((child): child is QueryNode => child !== null && !isEmpty(child)),
  };
}

/** The ranking words of the analyzed tree's positive clauses. */
function collectRank(node: QueryNode, plan: QueryPlan, positive: boolean): void {
  if (node.kind === 'bool') {
    for (const child of [...node.must, ...node.should]) collectRank(child, plan, positive);
    for (const child of node.mustNot) collectRank(child, plan, false);
    return;
  }
  if (!positive) return;
  if (node.kind === 'term' && node.prefix) plan.rankPrefixes.push(node.word);
  else plan.rankTerms.push(...(node.kind === 'term' ? [node.word] : node.words));
}

/**
 * The highlighted words, from the tree as parsed (before stemming, so stop words are known):
 * positive clauses without a field (those matched the title or headings, not the text), never a
 * stop word (even inside a phrase) unless the query has nothing else.
 */
function collectHighlights(
  node: QueryNode,
  plan: QueryPlan,
  analyzer: Analyzer,
  keepStopWords: boolean,
): void {
  if (node.kind === 'bool') {
    for (const child of [...node.must, ...node.should])
      collectHighlights(child, plan, analyzer, keepStopWords);
    return;
  }
  if (node.field !== undefined) return;
  if (node.kind === 'term' && node.prefix) {
    plan.highlightPrefixes.push(node.word);
    return;
  }
  for (const word of node.kind === 'term' ? [node.word] : node.words)
    if (keepStopWords || !isStopWord(analyzer, word))
      plan.highlightTerms.add(termOf(analyzer, word));
}

/** Where a passage's words matching the plan's highlight terms or prefixes are. */
export function planSpans(
  plan: QueryPlan,
  analyzer: Analyzer,
  text: string,
): { start: number; end: number }[] {
  if (plan.highlightTerms.size === 0 && plan.highlightPrefixes.length === 0) return [];
  return tokenSpans(text)
    .filter((span) => {
      if (!plan.highlightStopWords && isStopWord(analyzer, span.token)) return false;
      const term = termOf(analyzer, span.token);
      if (plan.highlightTerms.has(term)) return true;
      return plan.highlightPrefixes.some(
        (prefix) => span.token.startsWith(prefix) || term.startsWith(prefix),
      );
    })
    .map(({ start, end }) => ({ start, end }));
}

// --- SQLite FTS5 ---

/** An FTS5 string: `"…"` with its quotes doubled. */
function fts5String(word: string): string {
  return `"${word.replaceAll('"', '""')}"`;
}

function fts5Leaf(node: Exclude<QueryNode, { kind: 'bool' }>): string {
  const body =
    node.kind === 'term'
      ? `${fts5String(node.word)}${node.prefix ? ' *' : ''}`
      : node.words.map(fts5String).join(' + ');
  return node.field === undefined ? body : `${node.field} : (${body})`;
}

/** The FTS5 MATCH expression of a plan's tree; null when nothing can match. */
export function fts5Expression(node: QueryNode): string | null {
  if (node.kind !== 'bool') return fts5Leaf(node);
  const must = node.must.map(fts5Expression).filter((e): e is string => e !== null);
  const should = node.should.map(fts5Expression).filter((e): e is string => e !== null);
  const not = node.mustNot.map(fts5Expression).filter((e): e is string => e !== null);
  let positive: string;
  if (must.length > 0) {
    positive = must.map((e) => `(${e})`).join(' AND ');
    // The alternatives only rank: OR-ed with the required clauses, so they never exclude.
    if (should.length > 0)
      positive += ` AND (${[...must, ...should].map((e) => `(${e})`).join(' OR ')})`;
  } else if (should.length > 0) {
    positive = should.map((e) => `(${e})`).join(' OR ');
  } else return null;
  if (not.length === 0) return positive;
  return `(${positive}) NOT (${not.map((e) => `(${e})`).join(' OR ')})`;
}

// --- PostgreSQL tsquery ---

/** A tsquery literal: `'…'` with `'` and `\` doubled. */
function tsLiteral(word: string): string {
  return `'${word.replaceAll('\\', '\\\\').replaceAll("'", "''")}'`;
}

function tsLeaf(node: Exclude<QueryNode, { kind: 'bool' }>): string {
  const label = node.field === undefined ? '' : FIELD_LABELS[node.field];
  if (node.kind === 'term') {
    const suffix = node.prefix || label !== '' ? `:${node.prefix ? '*' : ''}${label}` : '';
    return `${tsLiteral(node.word)}${suffix}`;
  }
  return node.words
    .map((word) => `${tsLiteral(word)}${label === '' ? '' : `:${label}`}`)
    .join(' <-> ');
}

/**
 * The tsquery text of a plan's tree (for `to_tsquery('simple', …)`, which folds each literal
 * with the index's parser); null when nothing can match. The alternatives next to required
 * clauses only rank (PostgreSQL ranks by plan.rankTerms), so they are left out of the match.
 */
export function tsqueryText(node: QueryNode): string | null {
  if (node.kind !== 'bool') return tsLeaf(node);
  const must = node.must.map(tsqueryText).filter((e): e is string => e !== null);
  const should = node.should.map(tsqueryText).filter((e): e is string => e !== null);
  const not = node.mustNot.map(tsqueryText).filter((e): e is string => e !== null);
  let positive: string;
  if (must.length > 0) positive = must.map((e) => `(${e})`).join(' & ');
  else if (should.length > 0) positive = should.map((e) => `(${e})`).join(' | ');
  else return null;
  if (not.length === 0) return positive;
  return `(${positive}) & !(${not.map((e) => `(${e})`).join(' | ')})`;
}

/** The words of a field as the index is fed them (the `plain` analyzer indexes text only). */
export function fieldTexts(
  analyzer: Analyzer,
  title: string,
  passage: { text: string; heading_path: string[] },
): { title: string; heading: string; text: string } {
  if (analyzer === 'plain') return { title: '', heading: '', text: passage.text };
  const form = (text: string): string =>
    tokenize(text)
      .map((token) => termOf(analyzer, token))
      .join(' ');
  return {
    title: form(title),
    heading: form(passage.heading_path.join('\n')),
    text: form(passage.text),
  };
}
