/**
 * The worker pools and the optional semantic model: everything that runs on other threads, built
 * from the settings. A process that runs jobs starts its warm extraction threads here, so they
 * load pdf.js while the rest of the process starts (its readiness waits for them: see
 * extraction-warm-up-check.ts); an API-only process starts extraction threads
 * only for /v1/convert, on first use. The other pools' threads start on first use. Closed after
 * the job runners that feed them have stopped.
 */
import type { Logger } from 'pino';
import { openSemanticModel } from '../adapters/onnx/semantic-model.js';
import type { ThreadCounts } from '../adapters/worker-pool/factory.js';
import { DataConversionPool } from '../adapters/pools/data-conversion-pool.js';
import { LexicalScoringPool } from '../adapters/pools/lexical-scoring-pool.js';
import type { Config } from '../config.js';
import { ExtractionPool } from '../extraction/pool.js';
import type { DataConverter } from '../ports/data-converter.js';
import type { Extractor, LibreOfficeRuntime } from '../ports/extractor.js';
import type { HealthCheck } from '../ports/health.js';
import type { LexicalScorer } from '../ports/lexical-scorer.js';
import type { SemanticModel } from '../ports/semantic-model.js';
import { THREAD_ENTRIES } from '../threads/entry-files.js';
import type { Closers } from './closers.js';
import { passageChunking } from './chunking.js';
import { warmUpDocumentPath } from './document-warm-up.js';
import { ExtractionWarmUpCheck } from './extraction-warm-up-check.js';
import { findLibreOffice } from './libreoffice.js';

export interface Pools {
  extractor: Extractor;
  /** The extraction threads alive and warm (for metrics). */
  extractionThreads: () => ThreadCounts;
  /** Scores big lexical rerank and similarity requests off the event loop; null: no pool. */
  lexicalScorer: LexicalScorer | null;
  /** /v1/convert/data's conversions. */
  dataConverter: DataConverter;
  /** Null when none is configured or it failed to load (rerank then degrades). */
  semanticModel: SemanticModel | null;
  healthChecks: HealthCheck[];
  /** LibreOffice for legacy Office formats, run by the extraction threads; null when absent. */
  libreOffice: LibreOfficeRuntime | null;
}

/** What a caller (a test) may hand in instead of the pools built from settings. */
export interface InjectedPools {
  /** The extraction worker-thread module; tests inject faults with their own. */
  extractionWorkerFile?: string;
  /** A semantic model the caller opened and will close. */
  semanticModel?: SemanticModel;
  /** A lexical scorer the caller made and will close. */
  lexicalScorer?: LexicalScorer;
}

export async function openPools(
  config: Config,
  logger: Logger,
  injected: InjectedPools,
  closers: Closers,
): Promise<Pools> {
  // An API process extracts only for /v1/convert: it keeps no thread waiting for that.
  const warmThreads = config.role === 'api' ? 0 : config.extractionWarmThreads;
  // Readiness waits for each warm thread and then for the main thread's document warm-up.
  const warmUp = new ExtractionWarmUpCheck(warmThreads);
  let threadsWarm = (): void => undefined;
  const allThreadsWarm = new Promise<void>((resolve) => (threadsWarm = resolve));
  const extractor = extractionPool(
    config,
    logger,
    warmThreads,
    injected.extractionWorkerFile,
    () => {
      if (warmUp.noteThreadWarm()) threadsWarm();
    },
  );
  closers.add(() => extractor.close());
  // After the threads: a task sent while they warm would start another, cold, thread.
  if (warmThreads > 0) {
    void allThreadsWarm
      .then(() => warmMainThread(config, logger, extractor))
      .finally(() => warmUp.noteDocumentPathWarm());
  }
  const dataConverter = dataConversionPool(config);
  closers.add(() => dataConverter.close());
  let lexicalScorer: LexicalScorer | null = injected.lexicalScorer ?? null;
  if (lexicalScorer === null && config.rerankPoolThreads > 0) {
    const pool = lexicalScoringPool(config);
    closers.add(() => pool.close());
    lexicalScorer = pool;
  }
  const semanticModel =
    injected.semanticModel ?? (await loadSemanticModel(config, logger, closers));
  const wanted = injected.semanticModel !== undefined || modelConfigured(config);
  return {
    extractor,
    extractionThreads: () => extractor.threads(),
    lexicalScorer,
    dataConverter,
    semanticModel,
    healthChecks: [
      ...(warmThreads > 0 ? [warmUp] : []),
      ...(wanted ? [semanticModelCheck(semanticModel)] : []),
    ],
    libreOffice: findLibreOffice(config),
  };
}

/** The document warm-up (document-warm-up.ts), logged; a failure leaves documents to run cold. */
async function warmMainThread(
  config: Config,
  logger: Logger,
  extractor: ExtractionPool,
): Promise<void> {
  const started = performance.now();
  try {
    const passages = await warmUpDocumentPath({
      extract: (task, signal) => extractor.extractWarmUp(task, signal),
      pdfEngine: config.pdfEngine,
      chunking: passageChunking(config),
      analyzer: config.searchRanking,
    });
    logger.info({ ms: Math.round(performance.now() - started), passages }, 'document path warm');
  } catch (error) {
    logger.warn({ error }, 'document warm-up failed');
  }
}

function extractionPool(
  config: Config,
  logger: Logger,
  warmThreads: number,
  workerFile: string | undefined,
  threadReported: () => void,
): ExtractionPool {
  return new ExtractionPool({
    threads: config.extractionWorkers,
    timeoutMs: config.extractionTimeoutMs,
    heapMb: config.extractionHeapMb,
    recycleAfter: config.extractionRecycleAfter,
    warmThreads,
    ...(config.extractionIdleRecycleMs > 0
      ? { recycleIdleMs: config.extractionIdleRecycleMs }
      : {}),
    onThreadWarm: ({ threadId, ms, error }) => {
      if (error === undefined) logger.info({ thread_id: threadId, ms }, 'extraction thread warm');
      else logger.warn({ thread_id: threadId, ms, error }, 'extraction thread warm-up failed');
      threadReported();
    },
    niceIncrement: config.extractionNice,
    splitMinPages: config.extractionSplitMinPages,
    pdfEngine: config.pdfEngine,
    ...(workerFile === undefined ? {} : { workerFile }),
  });
}

function lexicalScoringPool(config: Config): LexicalScoringPool {
  return new LexicalScoringPool({
    workerFile: THREAD_ENTRIES.lexicalScoring(),
    threads: config.rerankPoolThreads,
    timeoutMs: config.rerankPoolTimeoutMs,
    heapMb: config.rerankPoolHeapMb,
    maxQueue: config.rerankPoolMaxQueue,
  });
}

function dataConversionPool(config: Config): DataConversionPool {
  return new DataConversionPool({
    workerFile: THREAD_ENTRIES.dataConvert(),
    threads: config.convertDataThreads,
    timeoutMs: config.convertDataTimeoutMs,
    heapMb: config.convertDataHeapMb,
    maxQueue: config.convertDataMaxQueue,
  });
}

/** The model serves the API only: a worker process never loads it. */
function modelConfigured(config: Config): boolean {
  return config.rerankModelDir !== undefined && config.role !== 'worker';
}

/**
 * The model from QUIRE_RERANK_MODEL_DIR. One that fails to load is logged and left out: hybrid
 * rerank degrades to lexical, semantic answers 503 MODEL_UNAVAILABLE, /health says degraded.
 */
async function loadSemanticModel(
  config: Config,
  logger: Logger,
  closers: Closers,
): Promise<SemanticModel | null> {
  if (config.rerankModelDir === undefined || !modelConfigured(config)) return null;
  try {
    const model = await openSemanticModel({
      dir: config.rerankModelDir,
      maxLength: config.rerankMaxLength,
      threads: config.rerankThreads,
      logger,
    });
    closers.add(() => model.close());
    return model;
  } catch (error) {
    logger.error(
      { err: error, dir: config.rerankModelDir },
      'semantic model not loaded: rerank and similarity run without it',
    );
    return null;
  }
}

function semanticModelCheck(model: SemanticModel | null): HealthCheck {
  return {
    name: 'semantic_model',
    critical: false,
    async check() {
      if (model === null) throw new Error('the configured semantic model did not load');
      if (model.breakerState?.() === 'open')
        throw new Error('the semantic model circuit breaker is open');
    },
  };
}
