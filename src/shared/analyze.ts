/**
 * The terms search indexes and queries with: the words of shared/tokenize.ts (folded), stemmed
 * with Porter's English stemmer, English stop words dropped from queries. The stemming happens
 * here, not in a database tokenizer, so SQLite FTS5 and PostgreSQL index exactly the same terms
 * (both are fed the stemmed form, which their own tokenizers leave as it is) and the highlights
 * are found with the same function.
 *
 * `plain` is search before stemming (issue 18's baseline): folded words, no stemming, no stop
 * words. A server indexes and queries with one analyzer (QUIRE_SEARCH_RANKING).
 */
import { stemmer } from 'stemmer';
import { tokenize, tokenSpans } from './tokenize.js';

export type Analyzer = 'english' | 'plain';

/**
 * English function words (PostgreSQL's `english.stop` list, trimmed to words that never carry a
 * query's meaning): dropped from queries, kept in the index (a phrase still matches them).
 */
const ENGLISH_STOP_WORDS = new Set(
  (
    'a an and are as at be been being but by can could did do does doing for from had has have ' +
    'having he her hers him his how i if in into is it its itself me my of on or our ours she ' +
    'should so than that the their theirs them then there these they this those to too was we ' +
    'were what when where which while who whom why will with would you your yours'
  ).split(' '),
);

export function isStopWord(analyzer: Analyzer, token: string): boolean {
  return analyzer === 'english' && ENGLISH_STOP_WORDS.has(token);
}

/**
 * Stems already computed: indexing a document stems every word it has, and a language's words
 * repeat (a 300-page manual's 170,000 words have a few thousand forms). Emptied when full.
 */
const STEMS = new Map<string, string>();
const MAX_STEMS = 50_000;

/** The index term of one folded token. Digits and non-Latin words are left as they are. */
export function termOf(analyzer: Analyzer, token: string): string {
  if (analyzer === 'plain') return token;
  const known = STEMS.get(token);
  if (known !== undefined) return known;
  const term = /^[a-z]+$/u.test(token) ? stemmer(token) : token;
  if (STEMS.size >= MAX_STEMS) STEMS.clear();
  STEMS.set(token, term);
  return term;
}

/** The text the full-text index is fed for `text`: its terms, space-separated, in order. */
export function indexForm(analyzer: Analyzer, text: string): string {
  if (analyzer === 'plain') return text;
  return tokenize(text)
    .map((token) => termOf(analyzer, token))
    .join(' ');
}

/** Where the words of `text` whose term is in `terms` are: sorted, never overlapping. */
export function termSpans(
  analyzer: Analyzer,
  text: string,
  terms: ReadonlySet<string>,
): { start: number; end: number }[] {
  if (terms.size === 0) return [];
  return tokenSpans(text)
    .filter((span) => terms.has(termOf(analyzer, span.token)))
    .map(({ start, end }) => ({ start, end }));
}
