/**
 * The search query parser (domain/query-parser.ts) on its own: the tree of each construct, the
 * lenient readings of malformed queries and, when strict, the 1-based position of the error.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseQuery, QuerySyntaxError } from '../../src/domain/query-parser.js';
import type { QueryNode } from '../../src/ports/search-index.js';
import { tokenize } from '../../src/shared/tokenize.js';

const parse = (query: string, strict = false): QueryNode => parseQuery(query, tokenize, { strict });

const term = (
  word: string,
  extra: Partial<{ prefix: boolean; field: 'title' | 'heading' }> = {},
) => ({
  kind: 'term',
  word,
  prefix: false,
  ...extra,
});
const bool = (should: unknown[], must: unknown[] = [], mustNot: unknown[] = []) => ({
  kind: 'bool',
  must,
  should,
  mustNot,
});

describe('query parser', () => {
  it('reads words as alternatives, folded', () => {
    assert.deepEqual(parse('Café  LAMP'), bool([term('cafe'), term('lamp')]));
  });

  it('reads phrases, prefixes, exclusions, required words and fields', () => {
    assert.deepEqual(
      parse('"Trims the wick"'),
      bool([{ kind: 'phrase', words: ['trims', 'the', 'wick'] }]),
    );
    assert.deepEqual(parse('lant*'), bool([term('lant', { prefix: true })]));
    assert.deepEqual(parse('lamp -storm'), bool([term('lamp')], [], [term('storm')]));
    assert.deepEqual(parse('+lamp wick'), bool([term('wick')], [term('lamp')]));
    assert.deepEqual(
      parse('title:handbook heading:"tide table"'),
      bool(
        [],
        [
          term('handbook', { field: 'title' }),
          { kind: 'phrase', words: ['tide', 'table'], field: 'heading' },
        ],
      ),
    );
    assert.deepEqual(
      parse('e-mail'),
      bool([bool([term('e'), term('mail')])]),
      'a hyphen inside a word is no exclusion',
    );
  });

  it('binds AND tighter than OR, and groups with parentheses', () => {
    assert.deepEqual(parse('a OR b AND c'), bool([term('a'), bool([], [term('b'), term('c')])]));
    assert.deepEqual(
      parse('(wick | novels) & night'),
      bool([bool([], [bool([term('wick'), term('novels')]), term('night')])]),
    );
    assert.deepEqual(
      parse('title:(a OR b)'),
      bool([], [bool([term('a', { field: 'title' }), term('b', { field: 'title' })])]),
    );
  });

  it('reads malformed queries leniently', () => {
    assert.deepEqual(parse('"trims wick'), bool([term('trims'), term('wick')]));
    assert.deepEqual(parse('lamp (wick'), bool([term('lamp'), bool([term('wick')])]));
    assert.deepEqual(parse('wick)'), bool([term('wick')]));
    assert.deepEqual(parse('OR wick OR'), bool([term('wick')]));
    assert.deepEqual(parse('- wick'), bool([term('wick')]));
    assert.deepEqual(parse('title: wick'), bool([term('title'), term('wick')]));
    assert.deepEqual(parse(`${'('.repeat(40)}wick${')'.repeat(40)}`).kind, 'bool');
  });

  it('when strict, names the character where the query is malformed', () => {
    for (const [query, position] of [
      ['"trims wick', 1],
      ['lamp (wick', 6],
      ['wick)', 5],
      ['OR wick', 1],
      ['wick OR', 6],
      ['wick AND', 6],
      ['wick - lamp', 6],
      ['title: wick', 1],
      ['*', 1],
      [`${'('.repeat(17)}wick${')'.repeat(17)}`, 17],
    ] as const) {
      assert.throws(
        () => parse(query, true),
        (error: unknown) =>
          error instanceof QuerySyntaxError &&
          error.position === position &&
          error.message.endsWith(`at character ${position}`),
        query,
      );
    }
    assert.doesNotThrow(() => parse('"a b" OR (c -d) title:e heading:f* +g', true));
  });
});
