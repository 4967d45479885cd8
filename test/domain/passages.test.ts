/**
 * Passages: about 200 words each, never across a page, every word in exactly one; and cutting a
 * large document's passages does not hold the event loop (the worker's heartbeats must keep its
 * job's lease meanwhile).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { splitFixedPassages, type PageText } from '../../src/domain/passages.js';
import { longestEventLoopWait } from '../helpers/event-loop.js';

function words(count: number, from = 0): string {
  return Array.from({ length: count }, (_, i) => `w${from + i}${i % 12 === 11 ? '.' : ''}`).join(
    ' ',
  );
}

describe('passages', { timeout: 60_000 }, () => {
  it('cuts pages into passages of about 200 words, in order, each word once', async () => {
    const pages: PageText[] = [
      { number: 1, text: words(450) },
      { number: 2, text: `  ${words(30, 450)}\n\t` },
    ];
    const passages = await splitFixedPassages('acme', 'doc', pages, Date.now());
    assert.deepEqual(
      passages.map((p) => p.ordinal),
      passages.map((_, i) => i),
    );
    assert.ok(passages.every((p) => p.word_count <= 250 && p.word_count > 0));
    assert.deepEqual(
      passages.map((p) => p.page),
      [1, 1, 1, 2],
    );
    assert.equal(
      passages.map((p) => p.text).join(' '),
      `${words(450)} ${words(30, 450)}`,
      'every word once, in order',
    );
  });

  it('a large document is cut without holding the event loop', async () => {
    // 2.5 million words (~20 MB) on one page: seconds of work done in one go.
    const pages: PageText[] = [{ number: 1, text: words(2_500_000) }];
    let passages: Awaited<ReturnType<typeof splitFixedPassages>> = [];
    const started = performance.now();
    const longestGap = await longestEventLoopWait(async () => {
      passages = await splitFixedPassages('acme', 'doc', pages, Date.now());
    });
    const tookMs = performance.now() - started;
    assert.equal(
      passages.reduce((sum, p) => sum + p.word_count, 0),
      2_500_000,
    );
    assert.ok(
      longestGap < 500,
      `the event loop waited ${Math.round(longestGap)} ms at once (splitting took ${Math.round(tookMs)} ms)`,
    );
  });
});
