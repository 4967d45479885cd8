/**
 * The PDF engine's own ceiling on a file: PDFium (@embedpdf/pdfium) reading its text alone, in one
 * thread of a process of its own (bench/lib/pdf-engine-child.ts, the `pdfium` engine: no Quire
 * layout, no store), the median of `runs` runs' wall time with the engine already loaded. Times
 * the thread count, it is what reading the file split across that many threads could reach at
 * best (each thread reads its pages alone, nothing else runs): bench:extract --split sets it
 * against pdftotext to show whether Quire's target is reachable on the machine at all.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { EngineRun } from './pdf-engine-child.js';
import { round } from './report.js';

const CHILD = fileURLToPath(new URL('./pdf-engine-child.ts', import.meta.url));

export interface EngineCeiling {
  engine: 'pdfium';
  pages: number;
  /** Wall seconds of each run, engine loading left out. */
  runsS: number[];
  medianS: number;
  pagesPerSec: number;
  threads: number;
  /** `pagesPerSec` × `threads`: a perfect split with nothing else on the cores. */
  splitPagesPerSec: number;
}

export function pdfiumCeiling(path: string, threads: number, runs = 3): EngineCeiling {
  const dir = mkdtempSync(join(os.tmpdir(), 'quire-bench-ceiling-'));
  try {
    const measured: EngineRun[] = [];
    for (let index = 0; index < runs; index++) {
      const result = spawnSync(
        process.execPath,
        ['--import', 'tsx', CHILD, 'pdfium', path, join(dir, 'text.txt')],
        { encoding: 'utf8', timeout: 10 * 60_000, maxBuffer: 16 * 1024 * 1024 },
      );
      if (result.status !== 0)
        throw new Error(`pdfium on ${path} exited ${String(result.status)}: ${result.stderr}`);
      measured.push(JSON.parse(result.stdout.trim().split('\n').pop() ?? '') as EngineRun);
    }
    const runsS = measured.map((run) => run.wallMs / 1000);
    const medianS = [...runsS].sort((a, b) => a - b)[Math.floor(runsS.length / 2)] ?? Number.NaN;
    const pages = measured[0]?.pages ?? 0;
    const pagesPerSec = round(pages / medianS, 1);
    return {
      engine: 'pdfium',
      pages,
      runsS,
      medianS,
      pagesPerSec,
      threads,
      splitPagesPerSec: round(pagesPerSec * threads, 1),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
