/**
 * The one word tokenizer of search and lexical reranking, so that what the index matched, what
 * is highlighted and what the reranker counts are the same words.
 *
 * A token is a maximal run of Unicode letters and numbers (`\p{L}\p{N}`, combining marks kept
 * inside the run so decomposed accents do not split a word). Its form is folded: compatibility
 * decomposition (NFKD, so `ﬁ` is `fi` and full-width `Ａ` is `A`), combining marks dropped
 * (`Café` → `cafe`, like SQLite FTS5's `remove_diacritics 2`), recomposed (NFC) and lowercased.
 * Offsets are UTF-16 code units of the original text, so `text.slice(start, end)` is the word as
 * written. ASCII words, the common case, take a fast path with no normalization.
 */

export interface TokenSpan {
  /** The folded form. */
  token: string;
  /** UTF-16 offset of the first code unit. */
  start: number;
  /** UTF-16 offset past the last code unit. */
  end: number;
}

const WORD = /[\p{L}\p{N}][\p{L}\p{N}\p{M}]*/gu;
const NON_ASCII = /[\u0080-\uffff]/;
const MARKS = /\p{M}+/gu;

/** The folded form of one word (or of any text: separators are kept as they are). */
export function foldToken(word: string): string {
  if (!NON_ASCII.test(word)) return word.toLowerCase();
  return word.normalize('NFKD').replace(MARKS, '').normalize('NFC').toLowerCase();
}

/** Every word of `text` with its folded form and its offsets, in order. */
export function tokenSpans(text: string): TokenSpan[] {
  const spans: TokenSpan[] = [];
  WORD.lastIndex = 0;
  for (let match = WORD.exec(text); match !== null; match = WORD.exec(text)) {
    const start = match.index;
    const word = match[0];
    spans.push({ token: foldToken(word), start, end: start + word.length });
  }
  return spans;
}

/** The folded words of `text`, in order, repeats kept. */
export function tokenize(text: string): string[] {
  const tokens: string[] = [];
  WORD.lastIndex = 0;
  for (let match = WORD.exec(text); match !== null; match = WORD.exec(text)) {
    tokens.push(foldToken(match[0]));
  }
  return tokens;
}

/** The distinct folded words of `text`, in order of first appearance, at most `max`. */
export function distinctTokens(text: string, max = Number.POSITIVE_INFINITY): string[] {
  const seen = new Set<string>();
  for (const token of tokenize(text)) {
    if (seen.size >= max) break;
    seen.add(token);
  }
  return [...seen];
}

/** Where the words of `text` whose folded form is in `terms` are: sorted, never overlapping. */
export function matchSpans(
  text: string,
  terms: ReadonlySet<string>,
): { start: number; end: number }[] {
  if (terms.size === 0) return [];
  return tokenSpans(text)
    .filter((span) => terms.has(span.token))
    .map(({ start, end }) => ({ start, end }));
}
