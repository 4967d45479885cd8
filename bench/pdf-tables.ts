/**
 * bench:pdf-tables — what share of the tables in PDFs comes back as Markdown tables.
 *
 * Known tables (seeded: 2–6 columns, 2–9 rows of words, names and numbers, some cells of several
 * words) are laid out by the installed LibreOffice from HTML: ruled, ruled with the text against
 * the rules (no padding), ruled and narrow (cells wrapped onto several lines), and borderless;
 * each PDF is extracted by the PDF processor and its Markdown tables compared with the truth: a
 * table counts as recovered when a table came back with every cell the same, and the cells of
 * the others are counted against a table of the same shape that came back (a table that a page
 * break splits comes back as two, and neither counts). PDFs given as arguments (real ones,
 * e.g. from Debian's doc packages) are extracted too, and the tables found in them listed for a
 * reader to judge: they have no truth. BENCH_PDF_ENGINE (pdfium, the default, or pdfjs) picks
 * the engine the PDF processor reads with, as QUIRE_PDF_ENGINE does the server's; run it once per
 * engine to compare. Results: bench/results/pdf-tables-*.json (pdf-tables-pdfium-*.json for
 * pdfium).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { runProcessor } from '../src/extraction/processors/index.js';
import { hasSoffice, sofficeConvert } from '../test/fixtures/other-formats.js';
import {
  markdownTables,
  tablesHtml,
  type Table,
  type TablesLayout,
} from '../test/fixtures/pdf-tables.js';
import { Prng } from './corpus.js';
import { pdfEngineFromEnv, printTable, round, writeResults } from './lib/report.js';

const LIMITS = {
  maxPages: 1000,
  maxUnzippedBytes: 512 * 1024 * 1024,
  maxTextChars: 10_000_000,
  maxOcrPages: 0,
  maxSheetRows: 10_000,
  maxSheetColumns: 200,
  includeHiddenSheets: false,
};

const WORDS = [
  'harbour',
  'lamp',
  'keeper',
  'north',
  'reef',
  'signal',
  'tide',
  'beacon',
  'mile',
  'gale',
  'Longstone',
  'Bell Rock',
  'Eddystone',
  'Skerryvore',
  'Fastnet',
  'Bishop Rock',
  'St Agnes',
];

function makeTables(count: number, seed: number): Table[] {
  const random = new Prng(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random.next() * list.length)] as T;
  const tables: Table[] = [];
  for (let index = 0; index < count; index++) {
    const columns = 2 + Math.floor(random.next() * 5);
    const rows = 2 + Math.floor(random.next() * 8);
    const header = Array.from({ length: columns }, (_, column) => `${pick(WORDS)} ${column + 1}`);
    const body = Array.from({ length: rows }, () =>
      Array.from({ length: columns }, (_, column) =>
        column === 0
          ? pick(WORDS)
          : random.next() < 0.5
            ? String(Math.floor(random.next() * 10_000) / (random.next() < 0.5 ? 1 : 100))
            : random.next() < 0.3
              ? `${pick(WORDS)} ${pick(WORDS)}`
              : pick(WORDS),
      ),
    );
    tables.push([header, ...body]);
  }
  return tables;
}

/** BENCH_PDF_ENGINE: the engine the processor reads PDFs with (default pdfjs). */
const PDF_ENGINE = pdfEngineFromEnv();

async function markdownOf(path: string): Promise<string> {
  const outcome = await runProcessor(
    {
      path,
      mediaType: 'application/pdf',
      filename: basename(path),
      limits: LIMITS,
      ocr: false,
      pdfEngine: PDF_ENGINE,
    },
    () => undefined,
  );
  if (!outcome.ok) throw new Error(`${path}: ${outcome.code} ${outcome.message}`);
  return outcome.result.pages.map((page) => page.markdown).join('\n\n');
}

interface Score {
  layout: string;
  tables: number;
  recovered: number;
  cells: number;
  cellsRecovered: number;
  tablesFound: number;
}

function score(layout: string, truth: Table[], found: Table[]): Score {
  let recovered = 0;
  let cellsRecovered = 0;
  const cells = truth.reduce((sum, table) => sum + table.length * (table[0]?.length ?? 0), 0);
  const same = (one: Table, other: Table): boolean => JSON.stringify(one) === JSON.stringify(other);
  const used = new Set<number>();
  // A true table is recovered when a found table equals it (wherever it is: a table split by a
  // page break leaves pieces that shift the order); the others are compared cell by cell with
  // the next unused found table of the same shape.
  const unmatched: Table[] = [];
  for (const table of truth) {
    const match = found.findIndex((candidate, index) => !used.has(index) && same(candidate, table));
    if (match < 0) {
      unmatched.push(table);
      continue;
    }
    used.add(match);
    recovered++;
    cellsRecovered += table.length * (table[0]?.length ?? 0);
  }
  for (const table of unmatched) {
    const match = found.findIndex(
      (candidate, index) =>
        !used.has(index) &&
        candidate.length === table.length &&
        candidate[0]?.length === table[0]?.length,
    );
    if (match < 0) continue;
    used.add(match);
    const candidate = found[match] as Table;
    table.forEach((row, r) =>
      row.forEach((cell, c) => (cellsRecovered += candidate[r]?.[c] === cell ? 1 : 0)),
    );
  }
  return {
    layout,
    tables: truth.length,
    recovered,
    cells,
    cellsRecovered,
    tablesFound: found.length,
  };
}

async function main(): Promise<void> {
  const startedAt = new Date();
  if (!hasSoffice()) throw new Error('soffice is not installed (libreoffice-writer-nogui)');
  const dir = mkdtempSync(join(tmpdir(), 'quire-bench-pdf-tables-'));
  try {
    const truth = makeTables(Number(process.env.BENCH_PDF_TABLES ?? 30), 19);
    const scores: Score[] = [];
    const layouts: [string, TablesLayout][] = [
      ['ruled', {}],
      ['ruled, no padding', { padding: 0 }],
      ['ruled, wrapped', { padding: 0, width: 260 }],
      ['borderless', { border: false }],
    ];
    for (const [name, layout] of layouts) {
      const html = join(dir, `${name.replace(/\W+/g, '-')}.html`);
      writeFileSync(html, tablesHtml(truth, layout));
      const pdf = sofficeConvert(html, 'pdf:writer_pdf_Export', dir);
      scores.push(score(name, truth, markdownTables(await markdownOf(pdf))));
    }
    const real: { file: string; tablesFound: number; shapes: string[] }[] = [];
    for (const path of process.argv.slice(2)) {
      const found = markdownTables(await markdownOf(path));
      real.push({
        file: basename(path),
        tablesFound: found.length,
        shapes: found.map((table) => `${table.length}×${table[0]?.length ?? 0}`),
      });
    }
    printTable(
      ['layout', 'tables', 'recovered', 'share', 'cells', 'cells recovered', 'share', 'found'],
      scores.map((row) => [
        row.layout,
        String(row.tables),
        String(row.recovered),
        `${round((100 * row.recovered) / row.tables, 1)} %`,
        String(row.cells),
        String(row.cellsRecovered),
        `${round((100 * row.cellsRecovered) / row.cells, 1)} %`,
        String(row.tablesFound),
      ]),
    );
    if (real.length > 0) {
      console.log('');
      printTable(
        ['PDF (no truth)', 'tables found', 'shapes (rows×columns)'],
        real.map((row) => [row.file, String(row.tablesFound), row.shapes.slice(0, 8).join(' ')]),
      );
    }
    console.log(`\nengine: ${PDF_ENGINE}`);
    writeResults(PDF_ENGINE === 'pdfjs' ? 'pdf-tables' : `pdf-tables-${PDF_ENGINE}`, startedAt, {
      benchmark: 'pdf-tables',
      pdfEngine: PDF_ENGINE,
      scores,
      real,
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error('bench:pdf-tables failed:', error);
  process.exitCode = 1;
});
