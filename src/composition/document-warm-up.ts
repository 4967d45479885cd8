/**
 * The main thread's share of a document, run once at start in a process that runs jobs: a
 * warm-up PDF goes through the extraction pool as a job's would, and its pages are cut into
 * passages and turned into index terms, three times over; nothing is stored.
 *
 * The extraction threads warm themselves (src/extraction/warm-up.ts), but what follows on the
 * main thread ran cold for the first document after start: cutting passages took 26–35 ms on a
 * 40-page PDF against 8–13 for the next documents, and making its index terms 36 against 14–20.
 * Synthetic text did not warm it: the pages must come from a thread, as a job's do, for the code
 * to meet the same string representations (V8 deoptimised on the real ones).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Chunking } from '../domain/passages.js';
import { splitPassages } from '../domain/passages.js';
import { warmUpPdf, warmUpTask } from '../extraction/warm-up-pdf.js';
import type { ExtractionOutcome, ExtractionTask, PdfEngine } from '../ports/extractor.js';
import { indexForm, type Analyzer } from '../shared/analyze.js';

const PAGES = 12;
const PASSES = 3;
const TIMEOUT_MS = 30_000;

export interface DocumentWarmUp {
  /** Extracts as a job would, without counting as one (ExtractionPool.extractWarmUp). */
  extract: (task: ExtractionTask, signal: AbortSignal) => Promise<ExtractionOutcome>;
  pdfEngine: PdfEngine;
  chunking: Chunking;
  analyzer: Analyzer;
}

/** Resolves with the passages cut in the last pass; rejects when the warm-up PDF fails. */
export async function warmUpDocumentPath({
  extract,
  pdfEngine,
  chunking,
  analyzer,
}: DocumentWarmUp): Promise<number> {
  const folder = await mkdtemp(join(tmpdir(), 'quire-document-warm-up-'));
  try {
    const path = join(folder, 'warm-up.pdf');
    await writeFile(
      path,
      warmUpPdf(PAGES, (page) => (page % 3 === 0 ? 'ruled' : 'aligned')),
    );
    const outcome = await extract(warmUpTask(path, pdfEngine), AbortSignal.timeout(TIMEOUT_MS));
    if (!outcome.ok) throw new Error(`the warm-up PDF failed: ${outcome.code} ${outcome.message}`);
    const { pages, metadata } = outcome.result;
    let passages = 0;
    for (let pass = 0; pass < PASSES; pass++) {
      const cut = await splitPassages(
        'warm-up',
        'warm-up',
        pages,
        metadata.outline,
        Date.now(),
        chunking,
      );
      for (const passage of cut) {
        indexForm(analyzer, passage.text);
        indexForm(analyzer, passage.heading_path.join('\n'));
      }
      passages = cut.length;
    }
    return passages;
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}
