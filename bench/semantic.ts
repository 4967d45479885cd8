/**
 * Semantic rerank latency through the ONNX adapter directly (no HTTP): p50/p99 of one
 * `relevance(query, documents)` call, the API thread's event-loop delay p99 meanwhile (inference
 * runs in a worker thread, so this should stay near the timer resolution) and the process's peak
 * RSS: the model alone, without HTTP (`npm run bench:rerank` measures it through the API). Run
 * as a script it measures bench/lib/bench-models.ts's TinyBERT-L2-sized and MiniLM-L6-sized
 * cross-encoders, each in its own child process, so each peak RSS is that model's alone.
 *
 *   tsx bench/semantic.ts [--documents 100] [--words 200] [--runs 30] [--max-length 256]
 */
import { execFileSync } from 'node:child_process';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { openSemanticModel } from '../src/adapters/onnx/semantic-model.js';
import { BENCH_MODELS, ensureBenchModel, type BenchModelName } from './lib/bench-models.js';
import { percentile } from './lib/stats.js';

export interface SemanticBenchOptions {
  documents?: number;
  /** Words per document (~1.3 tokens each with the generated vocabulary). */
  words?: number;
  runs?: number;
  warmup?: number;
  maxLength?: number;
  threads?: number;
}

export interface SemanticBenchResult {
  model: string;
  kind: 'cross' | 'bi';
  documents: number;
  words: number;
  maxLength: number;
  runs: number;
  openMs: number;
  p50Ms: number;
  p99Ms: number;
  eventLoopP99Ms: number;
  peakRssMb: number;
}

const VOCABULARY = (
  'the of and to in is was for on that with as by it at from be this which or are an not have ' +
  'search document rank model text page report data index result market price money bank ' +
  'trade energy health music film book game team player river road city school water house'
).split(' ');

/** Deterministic pseudo-text: `words` words from a small vocabulary. */
function documentText(index: number, words: number): string {
  const out: string[] = [];
  let state = index * 2654435761;
  for (let i = 0; i < words; i++) {
    state = (state * 1103515245 + 12345) >>> 0;
    out.push(VOCABULARY[state % VOCABULARY.length] ?? 'the');
  }
  return out.join(' ');
}

export async function measureSemantic(
  dir: string,
  options: SemanticBenchOptions = {},
): Promise<SemanticBenchResult> {
  const count = options.documents ?? 100;
  const words = options.words ?? 200;
  const runs = options.runs ?? 30;
  const maxLength = options.maxLength ?? 256;
  const documents = Array.from({ length: count }, (_, i) => documentText(i, words));
  const opening = performance.now();
  const model = await openSemanticModel({ dir, maxLength, threads: options.threads ?? 1 });
  const openMs = performance.now() - opening;
  const signal = new AbortController().signal;
  try {
    for (let i = 0; i < (options.warmup ?? 3); i++) {
      await model.relevance('search the market report', documents, signal);
    }
    const histogram = monitorEventLoopDelay({ resolution: 5 });
    histogram.enable();
    const latencies: number[] = [];
    for (let i = 0; i < runs; i++) {
      const started = performance.now();
      await model.relevance(`search the market report ${i}`, documents, signal);
      latencies.push(performance.now() - started);
    }
    histogram.disable();
    latencies.sort((a, b) => a - b);
    return {
      model: model.name,
      kind: model.kind,
      documents: count,
      words,
      maxLength,
      runs,
      openMs: Math.round(openMs),
      p50Ms: Math.round(percentile(latencies, 50)),
      p99Ms: Math.round(percentile(latencies, 99)),
      eventLoopP99Ms: Math.round((histogram.percentile(99) / 1e6) * 10) / 10,
      // maxRSS is in KiB, for the whole process (worker threads included).
      peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
    };
  } finally {
    await model.close();
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      model: { type: 'string' },
      documents: { type: 'string', default: '100' },
      words: { type: 'string', default: '200' },
      runs: { type: 'string', default: '30' },
      'max-length': { type: 'string', default: '256' },
    },
  });
  const options: SemanticBenchOptions = {
    documents: Number(values.documents),
    words: Number(values.words),
    runs: Number(values.runs),
    maxLength: Number(values['max-length']),
  };
  if (values.model !== undefined) {
    // Child mode: one model, one JSON line.
    console.log(JSON.stringify(await measureSemantic(values.model, options)));
    return;
  }
  const rows: SemanticBenchResult[] = [];
  for (const name of Object.keys(BENCH_MODELS) as BenchModelName[]) {
    const dir = await ensureBenchModel(name);
    const args = ['--import', 'tsx', fileURLToPath(import.meta.url), '--model', dir];
    for (const [key, value] of Object.entries(values)) {
      if (key !== 'model' && typeof value === 'string') args.push(`--${key}`, value);
    }
    const output = execFileSync(process.execPath, args, { encoding: 'utf8' });
    const line = output.trim().split('\n').at(-1) ?? '{}';
    rows.push(JSON.parse(line) as SemanticBenchResult);
  }
  console.log(
    `semantic rerank via the ONNX adapter: ${options.documents} documents × ${options.words} words, max_length ${options.maxLength}, ${options.runs} runs, 1 worker thread`,
  );
  console.log('| model | kind | open ms | p50 ms | p99 ms | event-loop p99 ms | peak RSS MB |');
  console.log('| --- | --- | --- | --- | --- | --- | --- |');
  for (const row of rows) {
    console.log(
      `| ${row.model} | ${row.kind} | ${row.openMs} | ${row.p50Ms} | ${row.p99Ms} | ${row.eventLoopP99Ms} | ${row.peakRssMb} |`,
    );
  }
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  await main();
}
