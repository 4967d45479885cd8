/**
 * `npm run bench:relevance`: does search put the right page first? Known-item queries over real
 * PDF manuals, answered by Quire's search API on real server processes, for today's search and for
 * the baseline (plain BM25 over fixed windows) in the same run.
 *
 * The corpus: the R manuals Debian ships in the `r-doc-pdf` package (R-intro, R-admin, R-exts by
 * default; BENCH_RELEVANCE_MANUALS lists others of the package, comma-separated). The package is
 * fetched with `apt-get download` into a cache directory outside the repository
 * (BENCH_RELEVANCE_CACHE, default <tmpdir>/quire-bench-relevance) and unpacked with `dpkg-deb -x`;
 * nothing is committed.
 *
 * The known items: every entry of each PDF's own outline (bookmarks) that points at a page, read
 * with pdf.js here (not through Quire): the query is the entry's title with its section number
 * removed ("11.2 Linear models" → "Linear models"), the answer is its destination page. A title
 * that appears more than once in a manual accepts any of its pages; a title left with fewer than
 * 2 characters is skipped.
 *
 * Each variant is its own server process (bench/app-target.ts, SQLite in a temporary data dir):
 *   - baseline: QUIRE_PASSAGE_STRATEGY=fixed and QUIRE_SEARCH_RANKING=plain, today's behaviour
 *     before issue 18 (fixed 200-word windows per page, unstemmed BM25 over the text alone);
 *   - quire: the defaults.
 * Every manual is uploaded to each (POST /v1/documents) and waited for until ready; then every
 * query is sent to each (POST /v1/search, limit 10, over the whole corpus, sequentially). A
 * result is relevant when it is a passage of the query's manual whose page span contains an
 * answer page. Printed per manual and overall: MRR@10, success@1, success@10 and search latency
 * (p50, p95, client-side round trip). Targets (from the issue): MRR@10 ≥ 0.80, success@1 ≥ 0.70,
 * search p95 ≤ 2 × the baseline's. A miss prints FAIL; it does not fail the process.
 * Results: bench/results/relevance-<timestamp>.json and relevance-latest.json.
 *
 * `--model DIR` (a bi-encoder export, e.g. `tsx scripts/make-onnx-model.ts DIR --kind bi --size
 * minilm-l6`) adds a third server, `hybrid`, configured with that model (QUIRE_RERANK_MODEL_DIR):
 * its passages are embedded when indexed and its searches fuse BM25 with the vectors (RRF). Also
 * printed: its search latency against `quire`'s (lexical, the same passages) and the embedding
 * cost at indexing (passages per second, from its metrics). A generated model has random
 * weights: its relevance figures mean nothing, its latency and indexing cost are real.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import { basename, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { getResolvedPDFJS } from 'unpdf';
import {
  envWithoutQuireSettings,
  killChildrenOnExit,
  startTarget,
  stopAll,
  type Target,
} from './lib/children.js';
import { debianFile } from './lib/debian-docs.js';
import {
  checkTarget,
  environmentReport,
  loadAverageLine,
  packageVersion,
  printTable,
  printTargets,
  ROOT,
  round,
  writeResults,
  type TargetCheck,
} from './lib/report.js';
import { percentile } from './lib/stats.js';

const NAME = 'bench:relevance';
const TARGET_ENTRY = fileURLToPath(new URL('./app-target.ts', import.meta.url));
const PACKAGE = 'r-doc-pdf';
const MANUAL_DIR = 'usr/share/R/doc/manual';
const DEFAULT_MANUALS = ['R-intro', 'R-admin', 'R-exts'];
const CACHE = process.env.BENCH_RELEVANCE_CACHE ?? join(os.tmpdir(), 'quire-bench-relevance');
const TOP = 10;
const READY_TIMEOUT_MS = 10 * 60_000;
const REQUEST_TIMEOUT_MS = 60_000;
const TARGET_MRR = 0.8;
const TARGET_SUCCESS_AT_1 = 0.7;
const TARGET_P95_RATIO = 2;

interface Variant {
  name: string;
  env: Record<string, string>;
}

const { values: options } = parseArgs({ options: { model: { type: 'string' } } });
const MODEL_DIR = options.model;

const VARIANTS: Variant[] = [
  {
    name: 'baseline',
    env: { QUIRE_PASSAGE_STRATEGY: 'fixed', QUIRE_SEARCH_RANKING: 'plain' },
  },
  { name: 'quire', env: {} },
  // Hybrid is the default retrieval when a bi-encoder is configured.
  ...(MODEL_DIR === undefined
    ? []
    : [
        {
          name: 'hybrid',
          env: { QUIRE_RERANK_MODEL_DIR: MODEL_DIR, QUIRE_RERANK_DEADLINE_MS: '5000' },
        },
      ]),
];

/** Passages embedded at indexing and the seconds it took, read from a server's /metrics. */
async function embeddingCost(target: Target): Promise<{ passages: number; seconds: number }> {
  const text = await (await fetch(`${target.url}/metrics`)).text();
  const value = (pattern: RegExp): number => Number(pattern.exec(text)?.[1] ?? 0);
  return {
    passages: value(/^passage_embeddings_total\{outcome="embedded"\} ([0-9.e+]+)$/m),
    seconds: value(/^passage_embedding_seconds_total ([0-9.e+-]+)$/m),
  };
}

interface KnownItem {
  manual: string;
  title: string;
  query: string;
  pages: number[];
}

interface Manual {
  name: string;
  path: string;
  pageCount: number;
}

// ---------------------------------------------------------------------------------------------
// The corpus and the known items.

/** The package's PDFs, fetched and unpacked once into the cache. */
function fetchManuals(names: string[]): Manual[] {
  return names.map((name) => ({
    name,
    path: debianFile(CACHE, { package: PACKAGE, path: join(MANUAL_DIR, `${name}.pdf`) }),
    pageCount: 0,
  }));
}

type PdfJs = Awaited<ReturnType<typeof getResolvedPDFJS>>;
type PdfDocument = Awaited<ReturnType<PdfJs['getDocument']>['promise']>;
type OutlineNode = Awaited<ReturnType<PdfDocument['getOutline']>>[number];

async function destinationPage(pdf: PdfDocument, dest: OutlineNode['dest']): Promise<number> {
  const explicit: unknown = typeof dest === 'string' ? await pdf.getDestination(dest) : dest;
  if (!Array.isArray(explicit)) return 0;
  const target: unknown = explicit[0];
  if (typeof target === 'number') return target + 1;
  if (typeof target === 'object' && target !== null && 'num' in target) {
    return (await pdf.getPageIndex(target as { num: number; gen: number })) + 1;
  }
  return 0;
}

/** "11.2 Linear models" → "Linear models"; "Appendix A Sample session" → "Sample session". */
export function queryOf(title: string): string {
  return title
    .replace(/\s+/gu, ' ')
    .trim()
    .replace(/^(appendix\s+)?([0-9]+|[A-Z])(\.[0-9]+)*\.?\s+/u, '')
    .trim();
}

/** The outline entries of a PDF as known items (deduplicated by query within the manual). */
async function knownItems(manual: Manual): Promise<KnownItem[]> {
  const pdfjs = await getResolvedPDFJS();
  const pdf = await pdfjs.getDocument({ data: new Uint8Array(readFileSync(manual.path)) }).promise;
  try {
    manual.pageCount = pdf.numPages;
    const byQuery = new Map<string, KnownItem>();
    const walk = async (nodes: OutlineNode[]): Promise<void> => {
      for (const node of nodes) {
        const page = await destinationPage(pdf, node.dest).catch(() => 0);
        const query = queryOf(node.title ?? '');
        if (page >= 1 && query.length >= 2) {
          const known = byQuery.get(query);
          if (known === undefined)
            byQuery.set(query, { manual: manual.name, title: node.title, query, pages: [page] });
          else if (!known.pages.includes(page)) known.pages.push(page);
        }
        await walk(node.items ?? []);
      }
    };
    await walk((await pdf.getOutline()) ?? []);
    return [...byQuery.values()];
  } finally {
    await pdf.destroy();
  }
}

// ---------------------------------------------------------------------------------------------
// Talking to a server.

async function call(
  target: Target,
  apiKey: string,
  method: string,
  path: string,
  body?: string | FormData,
  contentType?: string,
): Promise<{ status: number; json: unknown }> {
  const response = await fetch(`${target.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${apiKey}`,
      ...(contentType === undefined ? {} : { 'content-type': contentType }),
    },
    ...(body === undefined ? {} : { body }),
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  const text = await response.text();
  return { status: response.status, json: text === '' ? null : (JSON.parse(text) as unknown) };
}

interface DocumentView {
  id: string;
  status: string;
  error?: unknown;
}

async function upload(target: Target, apiKey: string, manual: Manual): Promise<string> {
  const form = new FormData();
  form.append(
    'file',
    new Blob([readFileSync(manual.path)], { type: 'application/pdf' }),
    basename(manual.path),
  );
  const { status, json } = await call(target, apiKey, 'POST', '/v1/documents?dedupe=false', form);
  if (status !== 202 && status !== 201)
    throw new Error(`upload of ${manual.name}: ${status} ${JSON.stringify(json)}`);
  const view = json as DocumentView & { document?: DocumentView };
  return view.document?.id ?? view.id;
}

async function waitReady(target: Target, apiKey: string, id: string): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    const { status, json } = await call(target, apiKey, 'GET', `/v1/documents/${id}`);
    const view = json as DocumentView;
    if (status === 200 && view.status === 'ready') return;
    // Shed while extraction saturates a busy machine: ask again.
    if (status === 503) {
      await new Promise((resolve) => setTimeout(resolve, 1000));
      continue;
    }
    if (status !== 200 || view.status === 'failed')
      throw new Error(`document ${id}: ${status} ${JSON.stringify(json)}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`document ${id} not ready after ${READY_TIMEOUT_MS} ms`);
}

interface SearchResult {
  document_id: string;
  page: number;
  page_end?: number;
}

/** The 1-based rank of the first relevant result in the top TOP, 0 when none; and the latency. */
async function rankOf(
  target: Target,
  apiKey: string,
  item: KnownItem,
  documentId: string,
): Promise<{ rank: number; ms: number }> {
  const started = performance.now();
  const { status, json } = await call(
    target,
    apiKey,
    'POST',
    '/v1/search',
    JSON.stringify({ query: item.query, limit: TOP }),
    'application/json',
  );
  const ms = performance.now() - started;
  if (status !== 200) throw new Error(`search "${item.query}": ${status} ${JSON.stringify(json)}`);
  const results = (json as { results: SearchResult[] }).results;
  const index = results.findIndex(
    (result) =>
      result.document_id === documentId &&
      item.pages.some((page) => page >= result.page && page <= (result.page_end ?? result.page)),
  );
  return { rank: index + 1, ms };
}

// ---------------------------------------------------------------------------------------------
// Scores.

interface Scores {
  queries: number;
  mrrAt10: number;
  successAt1: number;
  successAt10: number;
  p50Ms: number;
  p95Ms: number;
}

function score(ranks: number[], latencies: number[]): Scores {
  const n = Math.max(1, ranks.length);
  const sorted = [...latencies].sort((a, b) => a - b);
  return {
    queries: ranks.length,
    mrrAt10: round(ranks.reduce((sum, rank) => sum + (rank > 0 ? 1 / rank : 0), 0) / n),
    successAt1: round(ranks.filter((rank) => rank === 1).length / n),
    successAt10: round(ranks.filter((rank) => rank > 0).length / n),
    p50Ms: round(percentile(sorted, 50), 2),
    p95Ms: round(percentile(sorted, 95), 2),
  };
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  killChildrenOnExit(NAME);
  const startedAt = new Date();
  const loadAverageAtStart = os.loadavg();
  console.log(loadAverageLine(loadAverageAtStart));
  const names = (process.env.BENCH_RELEVANCE_MANUALS ?? DEFAULT_MANUALS.join(','))
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');
  const manuals = fetchManuals(names);
  const items: KnownItem[] = [];
  for (const manual of manuals) {
    const known = await knownItems(manual);
    console.log(`${manual.name}: ${manual.pageCount} pages, ${known.length} outline queries`);
    items.push(...known);
  }

  const apiKey = `qk_${randomBytes(30).toString('base64url')}`;
  const root = mkdtempSync(join(os.tmpdir(), 'quire-bench-relevance-'));
  const perVariant: Record<string, { ranks: Map<KnownItem, number>; ms: Map<KnownItem, number> }> =
    {};
  const readySeconds: Record<string, number> = {};
  let embedding: { passages: number; seconds: number } | undefined;
  try {
    const targets = new Map<string, Target>();
    for (const variant of VARIANTS) {
      const dataDir = join(root, variant.name);
      mkdirSync(dataDir);
      const target = await startTarget({
        name: variant.name,
        entry: TARGET_ENTRY,
        args: [dataDir],
        cwd: ROOT,
        env: {
          ...envWithoutQuireSettings(),
          QUIRE_BOOTSTRAP_ADMIN_KEY: apiKey,
          // The benchmark asks hundreds of questions a minute: not what it measures.
          QUIRE_RATE_LIMIT_SEARCH: '1000000',
          QUIRE_RATE_LIMIT_READ: '1000000',
          ...variant.env,
        },
      });
      targets.set(variant.name, target);
      console.log(`Quire (${variant.name}) at ${target.url} (pid ${target.child.pid})`);
    }
    const documentIds = new Map<string, Map<string, string>>();
    for (const variant of VARIANTS) {
      const target = targets.get(variant.name) as Target;
      const ids = new Map<string, string>();
      const started = performance.now();
      for (const manual of manuals) ids.set(manual.name, await upload(target, apiKey, manual));
      for (const id of ids.values()) await waitReady(target, apiKey, id);
      readySeconds[variant.name] = round((performance.now() - started) / 1000, 1);
      console.log(
        `${variant.name}: ${manuals.length} manuals ready in ${readySeconds[variant.name]} s`,
      );
      if (variant.name === 'hybrid') embedding = await embeddingCost(target);
      documentIds.set(variant.name, ids);
    }
    // Warm-up, unmeasured: the first queries pay for caches and JIT.
    for (const variant of VARIANTS) {
      const target = targets.get(variant.name) as Target;
      const ids = documentIds.get(variant.name) as Map<string, string>;
      for (const item of items.slice(0, 20))
        await rankOf(target, apiKey, item, ids.get(item.manual) ?? '');
      perVariant[variant.name] = { ranks: new Map(), ms: new Map() };
    }
    // Queries alternate between the servers, so drift in the machine's load hits both alike.
    for (const item of items) {
      for (const variant of VARIANTS) {
        const target = targets.get(variant.name) as Target;
        const ids = documentIds.get(variant.name) as Map<string, string>;
        const { rank, ms } = await rankOf(target, apiKey, item, ids.get(item.manual) ?? '');
        const record = perVariant[variant.name];
        record?.ranks.set(item, rank);
        record?.ms.set(item, ms);
      }
    }
  } finally {
    await stopAll(NAME);
    rmSync(root, { recursive: true, force: true });
  }

  const groups = [...manuals.map((manual) => manual.name), 'overall'];
  const table: Record<string, Record<string, Scores>> = {};
  const body: string[][] = [];
  for (const group of groups) {
    const selected = items.filter((item) => group === 'overall' || item.manual === group);
    for (const variant of VARIANTS) {
      const record = perVariant[variant.name];
      const scores = score(
        selected.map((item) => record?.ranks.get(item) ?? 0),
        selected.map((item) => record?.ms.get(item) ?? 0),
      );
      (table[group] ??= {})[variant.name] = scores;
      body.push([
        group,
        variant.name,
        String(scores.queries),
        scores.mrrAt10.toFixed(3),
        scores.successAt1.toFixed(3),
        scores.successAt10.toFixed(3),
        scores.p50Ms.toFixed(2),
        scores.p95Ms.toFixed(2),
      ]);
    }
  }
  console.log('');
  printTable(
    ['manual', 'variant', 'queries', 'MRR@10', 'success@1', 'success@10', 'p50 ms', 'p95 ms'],
    body,
  );
  const overall = table.overall ?? {};
  const quire = overall.quire;
  const baseline = overall.baseline;
  const hybrid = overall.hybrid;
  let hybridReport: Record<string, number> | undefined;
  if (hybrid !== undefined && quire !== undefined && embedding !== undefined) {
    hybridReport = {
      lexicalP50Ms: quire.p50Ms,
      lexicalP95Ms: quire.p95Ms,
      hybridP50Ms: hybrid.p50Ms,
      hybridP95Ms: hybrid.p95Ms,
      p95Ratio: round(hybrid.p95Ms / quire.p95Ms, 2),
      passagesEmbedded: embedding.passages,
      embeddingSeconds: round(embedding.seconds, 1),
      passagesPerSecond: round(embedding.passages / Math.max(embedding.seconds, 1e-9), 1),
      // The model calls of concurrent extractions overlap: their summed seconds exceed the wall
      // time, so the wall-clock rate (the indexing time hybrid adds) is given too.
      passagesPerWallSecond: round(
        embedding.passages / Math.max((readySeconds.hybrid ?? 0) - (readySeconds.quire ?? 0), 1e-9),
        1,
      ),
      lexicalReadySeconds: readySeconds.quire ?? 0,
      hybridReadySeconds: readySeconds.hybrid ?? 0,
    };
    console.log('');
    printTable(
      [
        'retrieval',
        'search p50 ms',
        'search p95 ms',
        'manuals ready s',
        'passages embedded',
        'embedded/model-s',
        'embedded/added wall s',
      ],
      [
        [
          'lexical (quire)',
          quire.p50Ms.toFixed(2),
          quire.p95Ms.toFixed(2),
          String(readySeconds.quire),
          '0',
          '–',
          '–',
        ],
        [
          `hybrid (${basename(MODEL_DIR ?? '')})`,
          hybrid.p50Ms.toFixed(2),
          hybrid.p95Ms.toFixed(2),
          String(readySeconds.hybrid),
          String(embedding.passages),
          String(hybridReport.passagesPerSecond),
          String(hybridReport.passagesPerWallSecond),
        ],
      ],
    );
    console.log(
      "Notes: the model is whatever --model names; a generated one (scripts/make-onnx-model.ts) has random weights, so the hybrid row's MRR and success figures above mean nothing — its latency and indexing cost are real. embedded/model-s: passages over the summed time of the model calls (concurrent extractions overlap); embedded/added wall s: over the ready time hybrid adds to lexical. Hybrid p95 / lexical p95: " +
        String(hybridReport.p95Ratio),
    );
  }
  const targets: TargetCheck[] = [
    checkTarget('MRR@10 ≥ 0.80', quire?.mrrAt10, '≥ 0.80', (v) => v >= TARGET_MRR, true),
    checkTarget(
      'success@1 ≥ 0.70',
      quire?.successAt1,
      '≥ 0.70',
      (v) => v >= TARGET_SUCCESS_AT_1,
      true,
    ),
    checkTarget(
      'search p95 ≤ 2 × baseline',
      quire !== undefined && baseline !== undefined
        ? round(quire.p95Ms / baseline.p95Ms, 2)
        : undefined,
      '≤ 2',
      (v) => v <= TARGET_P95_RATIO,
      true,
    ),
  ];
  console.log('');
  printTargets(targets);
  const misses = items
    .filter((item) => (perVariant.quire?.ranks.get(item) ?? 0) !== 1)
    .map((item) => ({
      manual: item.manual,
      query: item.query,
      pages: item.pages,
      rank: perVariant.quire?.ranks.get(item) ?? 0,
    }));
  writeResults('relevance', startedAt, {
    benchmark: NAME,
    startedAt: startedAt.toISOString(),
    package: PACKAGE,
    manuals: manuals.map(({ name, pageCount }) => ({ name, pageCount })),
    variants: VARIANTS,
    table,
    ...(hybridReport === undefined ? {} : { hybrid: hybridReport }),
    targets,
    quireMisses: misses,
    environment: environmentReport(loadAverageAtStart, { unpdf: packageVersion('unpdf') }),
  });
}

main().catch((error: unknown) => {
  console.error(`${NAME}:`, error);
  process.exit(1);
});
