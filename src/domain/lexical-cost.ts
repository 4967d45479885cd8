/**
 * What a lexical task will cost on this machine, so that rerank decides inline vs worker pool by
 * estimated CPU time rather than by a character count: 100 documents of 200 short words cost
 * several times what the same characters in long words do, and a query's terms multiply the scan.
 *
 * The model follows src/domain/bm25.ts: an ASCII document costs a fixed rate per character (token
 * count, lower-casing) plus one per character and query term (each term's `indexOf` scan); a
 * non-ASCII document, and every text of a TF-IDF cosine, goes through the Unicode tokenizer at its
 * own rate per character. The rates are measured once per process, at start-up, on a small
 * synthetic corpus (a few tens of milliseconds), and kept.
 */
import type { LexicalTask } from '../ports/lexical-scorer.js';
import { bm25Scores, queryTerms, tfidfCosine } from './bm25.js';

/** Nanoseconds per character of each kind of work. */
export interface LexicalCostRates {
  /** An ASCII document's token count and lower-casing. */
  asciiNsPerChar: number;
  /** One query term's scan of an ASCII document. */
  asciiNsPerCharTerm: number;
  /** The Unicode tokenizer (non-ASCII BM25 documents). */
  tokenizeNsPerChar: number;
  /** TF-IDF cosine's tokenizing and counting. */
  cosineNsPerChar: number;
}

const isAscii = (text: string): boolean => Buffer.byteLength(text, 'utf8') === text.length;

export class LexicalCostModel {
  constructor(readonly rates: LexicalCostRates) {}

  /**
   * Estimated microseconds of CPU for `task`. Above `decisiveUs` the cheap all-ASCII lower bound
   * is returned as is (the answer is "more than that" either way), so a big request is never
   * scanned on the request thread just to be estimated.
   */
  estimateUs(task: LexicalTask, decisiveUs = Number.POSITIVE_INFINITY): number {
    const { rates } = this;
    if (task.kind === 'cosine') {
      let chars = task.source.length;
      for (const text of task.targets) chars += text.length;
      return (chars * rates.cosineNsPerChar) / 1000;
    }
    const termCount = task.kind === 'bm25' ? queryTerms(task.query).length : task.terms.length;
    if (termCount === 0) return 0;
    let chars = 0;
    for (const text of task.documents) chars += text.length;
    const asciiRate = rates.asciiNsPerChar + termCount * rates.asciiNsPerCharTerm;
    const asciiUs = (chars * asciiRate) / 1000;
    if (asciiUs > decisiveUs) return asciiUs;
    let extraNs = 0;
    for (const text of task.documents) {
      if (!isAscii(text)) extraNs += text.length * Math.max(0, rates.tokenizeNsPerChar - asciiRate);
    }
    return asciiUs + extraNs / 1000;
  }
}

/** A seeded generator, so every calibration measures the same corpus. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

/** The least time of `runs` calls after a warm-up (the JIT's), in nanoseconds. */
function leastNs(work: () => unknown, runs = 5): number {
  for (let i = 0; i < 3; i++) work();
  let least = Number.POSITIVE_INFINITY;
  for (let i = 0; i < runs; i++) {
    const started = process.hrtime.bigint();
    work();
    least = Math.min(least, Number(process.hrtime.bigint() - started));
  }
  return least;
}

const CALIBRATION_DOCUMENTS = 32;
const CALIBRATION_WORDS = 160;

/** Measures the rates on a small synthetic corpus (about 30k characters, a few tens of ms). */
export function measureLexicalCostRates(): LexicalCostRates {
  const next = seeded(1);
  const vocabulary = Array.from({ length: 2000 }, () => {
    let word = '';
    const length = 3 + Math.floor(next() * 6);
    for (let i = 0; i < length; i++) word += String.fromCharCode(97 + Math.floor(next() * 26));
    return word;
  });
  const pick = (): string => vocabulary[Math.floor(next() * vocabulary.length)] ?? 'a';
  const documents = Array.from({ length: CALIBRATION_DOCUMENTS }, () =>
    Array.from({ length: CALIBRATION_WORDS }, pick).join(' '),
  );
  const accented = documents.map((text) => text.replace(/e/g, 'é'));
  let chars = 0;
  for (const text of documents) chars += text.length;
  const oneTerm = pick();
  const nineTerms = Array.from({ length: 9 }, pick).join(' ');

  const one = leastNs(() => bm25Scores(oneTerm, documents)) / chars;
  const nine = leastNs(() => bm25Scores(nineTerms, documents)) / chars;
  const perTerm = Math.max(0.05, (nine - one) / 8);
  const base = Math.max(0.05, one - perTerm);
  const tokenize = leastNs(() => bm25Scores(nineTerms, accented)) / chars;
  const cosine = leastNs(() => tfidfCosine(oneTerm, documents)) / chars;
  return {
    asciiNsPerChar: base,
    asciiNsPerCharTerm: perTerm,
    tokenizeNsPerChar: Math.max(tokenize, base + 9 * perTerm),
    cosineNsPerChar: Math.max(0.05, cosine),
  };
}

let measured: LexicalCostModel | undefined;

/** The rates of this machine, measured on the first call and kept for the process's life. */
export function calibratedLexicalCost(): LexicalCostModel {
  measured ??= new LexicalCostModel(measureLexicalCostRates());
  return measured;
}
