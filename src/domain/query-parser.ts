/**
 * The search query language (issue 18), read into a tree the SQL adapters turn into their
 * engines' syntax (adapters/sql/query-plan.ts); no user text ever reaches that syntax raw.
 *
 * - `word` — a term (folded and, with the `english` analyzer, stemmed like the index);
 * - `"exact phrase"` — the words in this order, next to each other;
 * - `prefix*` — any word starting with `prefix` (as indexed: stems);
 * - `-word`, `-"phrase"`, `-(group)` — results must not contain it;
 * - `+word` — results must contain it;
 * - `a OR b` (or `a | b`), `a AND b` (or `a & b`; AND binds tighter), `( … )` to group;
 * - `title:word`, `heading:"a phrase"`, `title:(a OR b)` — only in the document's title or the
 *   passage's heading path; a field clause is a filter: every result satisfies it.
 *
 * Words next to each other are alternatives (as Elasticsearch's `simple_query_string` with its
 * default OR operator): any may match, more and rarer matches rank higher. A `+` clause and a
 * field clause are required (the alternatives beside them then only rank); an AND chain is one
 * alternative that needs all its parts; `-` excludes. Stop words are dropped from the alternatives unless
 * nothing else is left (they stay in phrases).
 *
 * Lenient by default, like `simple_query_string`: an unbalanced `"` or `(`, a `)` without its
 * `(`, a lone or doubled operator, a `-`/`+`/`*` with no word and a field with nothing after it are
 * read as plain text or dropped — never an error. With `strict`, each of these throws a
 * QuerySyntaxError naming its position (1-based character).
 */

import type { QueryField, QueryNode } from '../ports/search-index.js';

export type { QueryField, QueryNode };

export class QuerySyntaxError extends Error {
  constructor(
    readonly position: number,
    reason: string,
  ) {
    super(`${reason} at character ${position}`);
    this.name = 'QuerySyntaxError';
  }
}

export interface ParseOptions {
  strict?: boolean;
  /** Term and phrase nodes beyond this many are dropped. */
  maxTerms?: number;
}

/** Parentheses nested deeper than this are read as plain text (an error when strict). */
export const MAX_QUERY_DEPTH = 16;

const FIELDS: readonly QueryField[] = ['title', 'heading'];

type Lexeme =
  | { type: 'word'; text: string; at: number; prefix: boolean }
  | { type: 'phrase'; text: string; at: number }
  | { type: 'open' | 'close' | 'or' | 'and' | 'not' | 'plus'; at: number }
  | { type: 'field'; field: QueryField; at: number };

const SPACE = /\s/u;
const SPECIAL = new Set(['"', '(', ')', '|', '&']);

/** Splits the query into lexemes; positions are 0-based offsets into it. */
function lex(query: string, strict: boolean): Lexeme[] {
  const out: Lexeme[] = [];
  let i = 0;
  // True where a `-`/`+` or a field name would start a clause (after a space or an opener).
  const atClauseStart = (): boolean => {
    const previous = out[out.length - 1];
    return (
      i === 0 ||
      SPACE.test(query[i - 1] ?? ' ') ||
      (previous !== undefined &&
        (previous.type === 'open' ||
          previous.type === 'not' ||
          previous.type === 'plus' ||
          previous.type === 'field') &&
        previous.at === i - 1) ||
      query[i - 1] === '(' ||
      query[i - 1] === ':'
    );
  };
  while (i < query.length) {
    const c = query[i] ?? '';
    if (SPACE.test(c)) {
      i++;
      continue;
    }
    if (c === '"') {
      const close = query.indexOf('"', i + 1);
      if (close === -1) {
        if (strict) throw new QuerySyntaxError(i + 1, 'unbalanced quote');
        i++; // Lenient: the quote is dropped, the rest read as words.
        continue;
      }
      out.push({ type: 'phrase', text: query.slice(i + 1, close), at: i });
      i = close + 1;
      if (query[i] === '*') i++; // A phrase is never a prefix: the star is dropped.
      continue;
    }
    if (c === '(' || c === ')') {
      out.push({ type: c === '(' ? 'open' : 'close', at: i });
      i++;
      continue;
    }
    if (c === '|' || c === '&') {
      out.push({ type: c === '|' ? 'or' : 'and', at: i });
      i++;
      continue;
    }
    if ((c === '-' || c === '+') && atClauseStart()) {
      out.push({ type: c === '-' ? 'not' : 'plus', at: i });
      i++;
      continue;
    }
    let end = i;
    while (end < query.length && !SPACE.test(query[end] ?? ' ') && !SPECIAL.has(query[end] ?? ''))
      end++;
    const chunk = query.slice(i, end);
    const colon = chunk.indexOf(':');
    const name = colon > 0 ? chunk.slice(0, colon).toLowerCase() : '';
    if (colon > 0 && (FIELDS as readonly string[]).includes(name) && atClauseStart()) {
      out.push({ type: 'field', field: name as QueryField, at: i });
      i += colon + 1;
      continue;
    }
    if (chunk === 'OR' || chunk === 'AND') {
      out.push({ type: chunk === 'OR' ? 'or' : 'and', at: i });
    } else {
      const prefix = chunk.endsWith('*');
      out.push({ type: 'word', text: prefix ? chunk.replace(/\*+$/u, '') : chunk, at: i, prefix });
    }
    i = end;
  }
  return out;
}

/**
 * Parentheses nested deeper than MAX_QUERY_DEPTH, and their matching `)`, are dropped (an error
 * when strict), so the tree and the engines' expressions stay shallow.
 */
function limitDepth(lexemes: Lexeme[], strict: boolean): Lexeme[] {
  const kept: Lexeme[] = [];
  const dropped: boolean[] = [];
  let depth = 0;
  for (const lexeme of lexemes) {
    if (lexeme.type === 'open') {
      const drop = depth >= MAX_QUERY_DEPTH;
      if (drop && strict)
        throw new QuerySyntaxError(lexeme.at + 1, 'parentheses nested too deeply');
      dropped.push(drop);
      if (drop) continue;
      depth++;
    } else if (lexeme.type === 'close' && dropped.length > 0) {
      if (dropped.pop() === true) continue;
      depth--;
    }
    kept.push(lexeme);
  }
  return kept;
}

/** A word as its folded tokens (shared/tokenize.ts), so `e-mail` is `e mail`. */
export type Fold = (text: string) => string[];

class Parser {
  #at = 0;
  #depth = 0;
  #terms = 0;

  constructor(
    private readonly lexemes: Lexeme[],
    private readonly fold: Fold,
    private readonly strict: boolean,
    private readonly maxTerms: number,
  ) {}

  #fail(at: number, reason: string): void {
    if (this.strict) throw new QuerySyntaxError(at + 1, reason);
  }

  #peek(): Lexeme | undefined {
    return this.lexemes[this.#at];
  }

  /** A whole query: groups until the end, a stray `)` dropped. */
  parseAll(): QueryNode {
    return this.#group();
  }

  /** A sequence of clauses up to a `)` or the end: OR of AND-chains, as a bool node. */
  #group(): QueryNode {
    const must: QueryNode[] = [];
    const should: QueryNode[] = [];
    const mustNot: QueryNode[] = [];
    let pendingOr: Lexeme | undefined;
    let first = true;
    for (;;) {
      const next = this.#peek();
      if (next === undefined) break;
      if (next.type === 'close') {
        if (this.#depth > 0) break;
        this.#fail(next.at, 'unbalanced parenthesis');
        this.#at++;
        continue;
      }
      if (next.type === 'or') {
        if (first || pendingOr !== undefined) this.#fail(next.at, 'operator without a left side');
        pendingOr = next;
        this.#at++;
        continue;
      }
      if (next.type === 'and') {
        this.#fail(next.at, 'operator without a left side');
        this.#at++;
        continue;
      }
      pendingOr = undefined;
      first = false;
      const chain = this.#andChain();
      if (chain === null) continue;
      // An AND chain is one alternative that needs all its parts.
      if (chain.kind === 'must') must.push(chain.node);
      else if (chain.kind === 'not') mustNot.push(chain.node);
      else should.push(chain.node);
    }
    if (pendingOr !== undefined) this.#fail(pendingOr.at, 'operator without a right side');
    return { kind: 'bool', must, should, mustNot };
  }

  /** Clauses joined by AND: all required when there are two or more. */
  #andChain(): { kind: 'and' | 'must' | 'not' | 'should'; node: QueryNode } | null {
    const parts: { kind: 'must' | 'not' | 'should'; node: QueryNode }[] = [];
    const first = this.#clause();
    if (first !== null) parts.push(first);
    for (;;) {
      const next = this.#peek();
      if (next?.type !== 'and') break;
      this.#at++;
      const after = this.#peek();
      if (after === undefined || after.type === 'close' || after.type === 'or') {
        this.#fail(next.at, 'operator without a right side');
        break;
      }
      if (after.type === 'and') continue;
      const clause = this.#clause();
      if (clause !== null) parts.push(clause);
    }
    if (parts.length === 0) return null;
    const [only] = parts;
    if (parts.length === 1 && only !== undefined) return only;
    return {
      kind: 'and',
      node: {
        kind: 'bool',
        must: parts.filter((p) => p.kind !== 'not').map((p) => p.node),
        should: [],
        mustNot: parts.filter((p) => p.kind === 'not').map((p) => p.node),
      },
    };
  }

  /** One clause with its `-`/`+` and field; null when it holds nothing searchable. */
  #clause(): { kind: 'must' | 'not' | 'should'; node: QueryNode } | null {
    let kind: 'must' | 'not' | 'should' = 'should';
    let field: QueryField | undefined;
    for (;;) {
      const next = this.#peek();
      if (next === undefined) break;
      if (next.type === 'not' || next.type === 'plus') {
        kind = next.type === 'not' ? 'not' : 'must';
        this.#at++;
        const after = this.#peek();
        if (after === undefined || !startsClause(after) || after.at !== next.at + 1) {
          this.#fail(next.at, `"${next.type === 'not' ? '-' : '+'}" without a word`);
          if (after === undefined || !startsClause(after)) return null;
          kind = 'should'; // Lenient: the lone sign is dropped.
        }
        continue;
      }
      if (next.type === 'field') {
        field = next.field;
        this.#at++;
        const after = this.#peek();
        if (after === undefined || !startsValue(after) || after.at !== this.#fieldEnd(next)) {
          this.#fail(next.at, `"${next.field}:" without a word`);
          // Lenient: the field's name is searched as a plain word.
          return this.#leaf({ type: 'word', text: next.field, at: next.at, prefix: false }, kind);
        }
        if (kind === 'should') kind = 'must';
        continue;
      }
      break;
    }
    const next = this.#peek();
    if (next === undefined) return null;
    if (next.type === 'open') {
      this.#at++;
      this.#depth++;
      const inner = this.#group();
      this.#depth--;
      const close = this.#peek();
      if (close?.type === 'close') this.#at++;
      else this.#fail(next.at, 'unbalanced parenthesis');
      const node = field === undefined ? inner : withField(inner, field);
      return isEmpty(node) ? null : { kind, node };
    }
    if (next.type === 'word' || next.type === 'phrase') {
      this.#at++;
      return this.#leaf(next, kind, field);
    }
    // An operator where a clause should start: dropped (it is reported by the caller's loop).
    return null;
  }

  #fieldEnd(lexeme: Extract<Lexeme, { type: 'field' }>): number {
    return lexeme.at + lexeme.field.length + 1;
  }

  #leaf(
    lexeme: Extract<Lexeme, { type: 'word' | 'phrase' }>,
    kind: 'must' | 'not' | 'should',
    field?: QueryField,
  ): { kind: 'must' | 'not' | 'should'; node: QueryNode } | null {
    const words = this.fold(lexeme.text);
    if (words.length === 0) {
      if (lexeme.type === 'word' && lexeme.prefix) this.#fail(lexeme.at, '"*" without a word');
      return null;
    }
    if (this.#terms >= this.maxTerms) return null;
    this.#terms++;
    const fielded = field === undefined ? {} : { field };
    if (lexeme.type === 'phrase' || (field !== undefined && words.length > 1)) {
      if (words.length === 1 && words[0] !== undefined)
        return { kind, node: { kind: 'term', word: words[0], prefix: false, ...fielded } };
      return { kind, node: { kind: 'phrase', words, ...fielded } };
    }
    // A bare word of several tokens (`e-mail`, `3.14`): each token an alternative, the prefix
    // on the last.
    const nodes: QueryNode[] = words.map((word, index) => ({
      kind: 'term',
      word,
      prefix: lexeme.prefix && index === words.length - 1,
      ...fielded,
    }));
    const [single] = nodes;
    if (nodes.length === 1 && single !== undefined) return { kind, node: single };
    return { kind, node: { kind: 'bool', must: [], should: nodes, mustNot: [] } };
  }
}

function startsClause(lexeme: Lexeme): boolean {
  return (
    lexeme.type === 'word' ||
    lexeme.type === 'phrase' ||
    lexeme.type === 'open' ||
    lexeme.type === 'field'
  );
}

function startsValue(lexeme: Lexeme): boolean {
  return lexeme.type === 'word' || lexeme.type === 'phrase' || lexeme.type === 'open';
}

/** `node` with every term and phrase in it restricted to `field`. */
function withField(node: QueryNode, field: QueryField): QueryNode {
  if (node.kind !== 'bool') return { ...node, field };
  return {
    kind: 'bool',
    must: node.must.map((n) => withField(n, field)),
    should: node.should.map((n) => withField(n, field)),
    mustNot: node.mustNot.map((n) => withField(n, field)),
  };
}

/** True when the node has nothing a result could match. */
export function isEmpty(node: QueryNode): boolean {
  if (node.kind !== 'bool') return false;
  return node.must.every(isEmpty) && node.should.every(isEmpty);
}

/**
 * The query as a tree. Lenient unless `strict`, where a malformed query throws
 * QuerySyntaxError. A query of only stop words, punctuation or exclusions is an empty tree
 * (no hits), never an error.
 */
export function parseQuery(query: string, fold: Fold, options: ParseOptions = {}): QueryNode {
  const strict = options.strict === true;
  const lexemes = limitDepth(lex(query, strict), strict);
  return new Parser(lexemes, fold, strict, options.maxTerms ?? Number.POSITIVE_INFINITY).parseAll();
}
