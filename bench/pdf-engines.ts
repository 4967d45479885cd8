/**
 * `npm run bench:pdf-engines`: which PDF engine should read PDFs' text — pdf.js (today, through
 * unpdf) or PDFium compiled to WebAssembly (@embedpdf/pdfium) — measured for speed and fidelity
 * against `pdftotext` (poppler-utils) on the same files in the same run.
 *
 * Corpus: real PDFs of different producers from Debian documentation packages (bench/lib/
 * debian-docs.ts: `apt-get download` + `dpkg-deb -x` into BENCH_PDF_ENGINES_CACHE, default
 * <tmpdir>/quire-bench-debian-docs; nothing committed) and the generated corpus of bench:extract
 * (bench/corpus.ts: a 300-page text PDF, a 400-page image-heavy PDF).
 *
 * Engines, each single-threaded, one process per file and engine (bench/lib/pdf-engine-child.ts,
 * which says what each does): quire (Quire's PDF processor), pdfjs-text (pdf.js getTextContent
 * only), quire-pdfium (Quire's processor on QUIRE_PDF_ENGINE=pdfium; its rows count the pages it
 * still hands to pdf.js), pdfium, and pdftotext itself (`pdftotext -enc UTF-8 FILE OUT` under /usr/bin/time) as
 * the reference for speed and text. Files are taken one at a time and every engine runs on a file
 * before the next file, so a change in the machine's load falls on all engines alike.
 * BENCH_PDF_ENGINES_RUNS (default 1) runs each pair that many times and keeps the median wall time.
 *
 * Figures per file and engine: pages/s over wall time and over CPU time (user + system of the
 * process in the timed window, which leaves out loading the engine: `init s`), the ratio of wall
 * pages/s to pdftotext's, peak RSS (the process's ru_maxrss, Node's own ~50–100 MB included),
 * and text fidelity against pdftotext's output:
 *   - F1: bag-of-words token F1 (multiset overlap). One tokenizer for every engine: Unicode NFKC
 *     (ligatures such as "ﬁ" become "fi"), lower case, runs of letters and digits. Reading order
 *     does not count here, by design: search indexes words, and engines disagree on the order
 *     of columns, running heads and margin notes;
 *   - bigram F1: the same over pairs of consecutive tokens across the whole document, which does
 *     depend on reading order (a line read out of place breaks the pairs at its ends);
 *   - ligatures: characters U+FB00–FB06 left in the engine's raw text (NFKC hides them from F1,
 *     not from a user's copy of the text).
 * Totals per engine over the whole corpus, and the ≥ 300-page real PDF alone, follow the table.
 * Results: bench/results/pdf-engines.json, plus pdf-engines-<timestamp>.json and -latest.json.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadCorpus } from './corpus.js';
import { debianFile, type DebianFile } from './lib/debian-docs.js';
import type { EngineRun, InProcessEngine } from './lib/pdf-engine-child.js';
import {
  environmentReport,
  integerFromEnv,
  loadAverageLine,
  packageVersion,
  printTable,
  RESULTS_DIR,
  round,
  writeResults,
} from './lib/report.js';

const NAME = 'bench:pdf-engines';
const CHILD = fileURLToPath(new URL('./lib/pdf-engine-child.ts', import.meta.url));
const CACHE = process.env.BENCH_PDF_ENGINES_CACHE ?? join(os.tmpdir(), 'quire-bench-debian-docs');
const RUNS = integerFromEnv('BENCH_PDF_ENGINES_RUNS', 1, 1, 9);
const CHILD_TIMEOUT_MS = 15 * 60_000;
const MiB = 1024 * 1024;
type EngineName = InProcessEngine | 'pdftotext';
const ENGINES: readonly EngineName[] = [
  'quire',
  'quire-pdfium',
  'pdfjs-text',
  'pdfium',
  'pdftotext',
];

/** Real PDFs: several producers, one ≥ 300 pages, one with many images. */
const REAL_PDFS: (DebianFile & { label: string })[] = [
  { label: 'R-intro', package: 'r-doc-pdf', path: 'usr/share/R/doc/manual/R-intro.pdf' },
  { label: 'R-exts', package: 'r-doc-pdf', path: 'usr/share/R/doc/manual/R-exts.pdf' },
  {
    label: 'why3 manual',
    package: 'why3-doc-pdf',
    path: 'usr/share/doc/why3-doc-pdf/manual.pdf',
  },
  {
    label: 'AMC manual',
    package: 'auto-multiple-choice-doc-pdf',
    path: 'usr/share/doc/auto-multiple-choice/auto-multiple-choice.en.pdf',
  },
  {
    label: 'ReportLab guide',
    package: 'python-reportlab-doc',
    path: 'usr/share/doc/python-reportlab-doc/reportlab-userguide.pdf',
  },
  {
    label: 'SISCone refman',
    package: 'siscone-doc-pdf',
    path: 'usr/share/doc/siscone-doc-pdf/pdf/refman.pdf.gz',
  },
  {
    label: 'GS colour mgmt',
    package: 'ghostscript-doc',
    path: 'usr/share/doc/ghostscript/GS9_Color_Management.pdf',
  },
];

interface CorpusPdf {
  label: string;
  source: string;
  path: string;
  bytes: number;
  pages: number;
  producer: string;
  real: boolean;
}

interface Measured {
  engine: EngineName;
  pages: number;
  initMs: number | null;
  wallMs: number;
  cpuMs: number;
  peakRssBytes: number;
  outlineItems: number | null;
  /** quire-pdfium: pages handed to pdf.js. */
  pdfJsPages: number | null;
  text: string;
}

function pdfinfo(path: string): { pages: number; producer: string } {
  const out = spawnSync('pdfinfo', [path], { encoding: 'utf8' }).stdout;
  const field = (name: string): string =>
    new RegExp(`^${name}:\\s*(.*)$`, 'm').exec(out)?.[1]?.trim() ?? '';
  return {
    pages: Number(field('Pages')),
    producer: field('Producer') || field('Creator') || '(not set)',
  };
}

async function corpus(): Promise<CorpusPdf[]> {
  const files: CorpusPdf[] = REAL_PDFS.map((file) => {
    const path = debianFile(CACHE, file);
    return {
      label: file.label,
      source: `${file.package}:${basename(file.path)}`,
      path,
      bytes: readFileSync(path).length,
      ...pdfinfo(path),
      real: true,
    };
  });
  const generated = await loadCorpus();
  for (const [label, file] of [
    ['generated text', generated.textPdf],
    ['generated images', generated.imagePdf],
  ] as const) {
    files.push({
      label,
      source: `bench/corpus.ts:${file.name}`,
      path: file.path,
      bytes: file.bytes,
      ...pdfinfo(file.path),
      real: false,
    });
  }
  return files;
}

function runPdftotext(path: string, out: string): Measured {
  const t0 = performance.now();
  const result = spawnSync(
    '/usr/bin/time',
    ['-f', '%U %S %M', 'pdftotext', '-enc', 'UTF-8', path, out],
    { encoding: 'utf8', timeout: CHILD_TIMEOUT_MS },
  );
  const wallMs = performance.now() - t0;
  if (result.status !== 0) throw new Error(`pdftotext ${path}: ${result.stderr}`);
  const [user = 0, system = 0, maxKb = 0] = (result.stderr.trim().split('\n').pop() ?? '')
    .split(' ')
    .map(Number);
  const text = readFileSync(out, 'utf8');
  return {
    engine: 'pdftotext',
    pages: text.split('\f').length - 1,
    initMs: null,
    wallMs,
    cpuMs: (user + system) * 1000,
    peakRssBytes: maxKb * 1024,
    outlineItems: null,
    pdfJsPages: null,
    text,
  };
}

function runChild(engine: EngineName, path: string, out: string): Measured {
  if (engine === 'pdftotext') return runPdftotext(path, out);
  const result = spawnSync(process.execPath, ['--import', 'tsx', CHILD, engine, path, out], {
    encoding: 'utf8',
    timeout: CHILD_TIMEOUT_MS,
    maxBuffer: 16 * MiB,
  });
  if (result.status !== 0) {
    throw new Error(`${engine} on ${path} exited ${String(result.status)}: ${result.stderr}`);
  }
  const line = result.stdout.trim().split('\n').pop() ?? '';
  const run = JSON.parse(line) as EngineRun;
  return {
    engine,
    pages: run.pages,
    initMs: run.initMs,
    wallMs: run.wallMs,
    cpuMs: run.cpuMs,
    peakRssBytes: run.peakRssBytes,
    outlineItems: run.outlineItems,
    pdfJsPages: run.pdfJsPages,
    text: readFileSync(out, 'utf8'),
  };
}

// ---------------------------------------------------------------------------------------------
// Fidelity.

const tokens = (text: string): string[] =>
  text
    .normalize('NFKC')
    .toLowerCase()
    .match(/[\p{L}\p{N}]+/gu) ?? [];

function counts(items: string[]): Map<string, number> {
  const map = new Map<string, number>();
  for (const item of items) map.set(item, (map.get(item) ?? 0) + 1);
  return map;
}

/** Multiset F1 of `system` against `reference`. */
function f1(system: string[], reference: string[]): number {
  if (system.length === 0 || reference.length === 0)
    return system.length === reference.length ? 1 : 0;
  const wanted = counts(reference);
  let overlap = 0;
  for (const [item, count] of counts(system)) overlap += Math.min(count, wanted.get(item) ?? 0);
  const precision = overlap / system.length;
  const recall = overlap / reference.length;
  return precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
}

const bigrams = (list: string[]): string[] =>
  list.slice(1).map((token, index) => `${list[index] ?? ''} ${token}`);

const ligatures = (text: string): number => text.match(/[\uFB00-\uFB06]/gu)?.length ?? 0;

// ---------------------------------------------------------------------------------------------

interface Row {
  file: string;
  engine: EngineName;
  pages: number;
  wallS: number;
  cpuS: number;
  initS: number | null;
  pagesPerSecWall: number;
  pagesPerSecCpu: number;
  ratioToPdftotext: number;
  f1: number;
  bigramF1: number;
  ligatures: number;
  peakRssMiB: number;
  outlineItems: number | null;
  pdfJsPages: number | null;
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)] ?? Number.NaN;
};

async function main(): Promise<void> {
  const startedAt = new Date();
  const loadAtStart = os.loadavg();
  console.log(
    `${NAME} — node ${process.version}, ${os.availableParallelism()} CPUs, ${loadAverageLine(os.loadavg())}; ` +
      `pdfjs via unpdf ${packageVersion('unpdf') ?? '?'}, @embedpdf/pdfium ${packageVersion('@embedpdf/pdfium') ?? '?'}, ` +
      `${spawnSync('pdftotext', ['-v'], { encoding: 'utf8' }).stderr.split('\n')[0] ?? 'pdftotext'}; runs per pair: ${RUNS}`,
  );
  const files = await corpus();
  printTable(
    ['file', 'source', 'producer', 'pages', 'MiB'],
    files.map((file) => [
      file.label,
      file.source,
      file.producer,
      String(file.pages),
      (file.bytes / MiB).toFixed(1),
    ]),
  );
  console.log('');

  const work = mkdtempSync(join(os.tmpdir(), 'quire-pdf-engines-'));
  const rows: Row[] = [];
  try {
    for (const file of files) {
      const measured = new Map<EngineName, Measured>();
      for (const engine of ENGINES) {
        const runs: Measured[] = [];
        for (let run = 0; run < RUNS; run++) {
          runs.push(runChild(engine, file.path, join(work, `${engine}.txt`)));
        }
        const wall = median(runs.map((run) => run.wallMs));
        const chosen = runs.find((run) => run.wallMs === wall) ?? (runs[0] as Measured);
        measured.set(engine, chosen);
        process.stdout.write(
          `  ${file.label} · ${engine}: ${(chosen.wallMs / 1000).toFixed(2)} s, ${chosen.pages} pages\n`,
        );
      }
      const reference = measured.get('pdftotext') as Measured;
      const referenceTokens = tokens(reference.text);
      const referencePagesPerSec = file.pages / (reference.wallMs / 1000);
      for (const engine of ENGINES) {
        const run = measured.get(engine) as Measured;
        const own = tokens(run.text);
        rows.push({
          file: file.label,
          engine,
          pages: run.pages,
          wallS: round(run.wallMs / 1000, 3),
          cpuS: round(run.cpuMs / 1000, 3),
          initS: run.initMs === null ? null : round(run.initMs / 1000, 3),
          pagesPerSecWall: round(file.pages / (run.wallMs / 1000), 1),
          pagesPerSecCpu: round(file.pages / Math.max(run.cpuMs / 1000, 0.001), 1),
          ratioToPdftotext: round(file.pages / (run.wallMs / 1000) / referencePagesPerSec, 3),
          f1: round(f1(own, referenceTokens), 4),
          bigramF1: round(f1(bigrams(own), bigrams(referenceTokens)), 4),
          ligatures: ligatures(run.text),
          peakRssMiB: round(run.peakRssBytes / MiB, 0),
          outlineItems: run.outlineItems,
          pdfJsPages: run.pdfJsPages,
        });
      }
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }

  console.log('');
  printTable(
    [
      'file',
      'engine',
      'pages',
      'wall s',
      'pages/s',
      'CPU s',
      'pages/CPU s',
      '× pdftotext',
      'F1',
      'bigram F1',
      'ligatures',
      'peak RSS MiB',
      'outline',
      'pdf.js pages',
      'init s',
    ],
    rows.map((row) => [
      row.file,
      row.engine,
      String(row.pages),
      row.wallS.toFixed(2),
      row.pagesPerSecWall.toFixed(1),
      row.cpuS.toFixed(2),
      row.pagesPerSecCpu.toFixed(1),
      row.ratioToPdftotext.toFixed(3),
      row.f1.toFixed(3),
      row.bigramF1.toFixed(3),
      String(row.ligatures),
      String(row.peakRssMiB),
      row.outlineItems === null ? '-' : String(row.outlineItems),
      row.pdfJsPages === null ? '-' : String(row.pdfJsPages),
      row.initS === null ? '-' : row.initS.toFixed(2),
    ]),
  );

  const summary = (filter: (row: Row) => boolean) =>
    ENGINES.map((engine) => {
      const own = rows.filter((row) => row.engine === engine && filter(row));
      const pages = own.reduce((sum, row) => sum + row.pages, 0);
      const wall = own.reduce((sum, row) => sum + row.wallS, 0);
      const cpu = own.reduce((sum, row) => sum + row.cpuS, 0);
      const reference = rows.filter((row) => row.engine === 'pdftotext' && filter(row));
      const referenceWall = reference.reduce((sum, row) => sum + row.wallS, 0);
      const referencePages = reference.reduce((sum, row) => sum + row.pages, 0);
      return {
        engine,
        pages,
        pagesPerSecWall: round(pages / wall, 1),
        pagesPerSecCpu: round(pages / cpu, 1),
        ratioToPdftotext: round(pages / wall / (referencePages / referenceWall), 3),
        minF1: round(Math.min(...own.map((row) => row.f1)), 4),
        meanF1: round(own.reduce((sum, row) => sum + row.f1, 0) / Math.max(own.length, 1), 4),
        meanBigramF1: round(
          own.reduce((sum, row) => sum + row.bigramF1, 0) / Math.max(own.length, 1),
          4,
        ),
        maxPeakRssMiB: Math.max(...own.map((row) => row.peakRssMiB)),
      };
    });
  const large = files.find((file) => file.real && file.pages >= 300);
  const groups = [
    {
      name: 'real PDFs',
      rows: summary((row) => files.some((f) => f.label === row.file && f.real)),
    },
    { name: 'all PDFs', rows: summary(() => true) },
    ...(large === undefined
      ? []
      : [
          {
            name: `${large.label} (${large.pages} pages)`,
            rows: summary((row) => row.file === large.label),
          },
        ]),
  ];
  for (const group of groups) {
    console.log(`\n${group.name}`);
    printTable(
      [
        'engine',
        'pages',
        'pages/s',
        'pages/CPU s',
        '× pdftotext',
        'min F1',
        'mean F1',
        'mean bigram F1',
        'max peak RSS MiB',
      ],
      group.rows.map((row) => [
        row.engine,
        String(row.pages),
        row.pagesPerSecWall.toFixed(1),
        row.pagesPerSecCpu.toFixed(1),
        row.ratioToPdftotext.toFixed(3),
        row.minF1.toFixed(3),
        row.meanF1.toFixed(3),
        row.meanBigramF1.toFixed(3),
        String(row.maxPeakRssMiB),
      ]),
    );
  }

  const report = {
    bench: NAME,
    environment: environmentReport(loadAtStart, {
      unpdf: packageVersion('unpdf'),
      '@embedpdf/pdfium': packageVersion('@embedpdf/pdfium'),
    }),
    runsPerPair: RUNS,
    tokenizer:
      'NFKC, lower case, runs of \\p{L}\\p{N}; F1 over token multisets, bigram F1 over consecutive pairs',
    files: files.map(({ path: _path, ...file }) => file),
    rows,
    summary: groups,
  };
  writeResults('pdf-engines', startedAt, report);
  writeFileSync(join(RESULTS_DIR, 'pdf-engines.json'), `${JSON.stringify(report, null, 2)}\n`);
}

await main();
