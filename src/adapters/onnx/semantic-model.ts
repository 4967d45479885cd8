/**
 * The SemanticModel port over a local Hugging Face ONNX export (onnxruntime-node +
 * @huggingface/tokenizers). Inference and tokenisation run in a small worker pool (worker.ts)
 * because `session.run()` blocks its thread for the whole inference (microsoft/onnxruntime#19611).
 * The model's kind is read from its outputs when it is opened. A cockatiel circuit breaker
 * (5 consecutive failures) stops calling a failing or too-slow model for `halfOpenAfterMs`.
 * Every failure surfaces as ModelUnavailable with a reason, so callers degrade or answer 503.
 */
import { statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { basename, join, resolve } from 'node:path';
import {
  BrokenCircuitError,
  ConsecutiveBreaker,
  IsolatedCircuitError,
  circuitBreaker,
  handleAll,
  type CircuitBreakerPolicy,
} from 'cockatiel';
import type { Logger } from 'pino';
import {
  ModelUnavailable,
  type InferenceEstimate,
  type SemanticModel,
} from '../../ports/semantic-model.js';
import type {
  EmbedResult,
  ModelDescription,
  ModelFiles,
  RelevanceResult,
  WorkerResult,
  WorkerTask,
} from './worker.js';
import { InferenceEstimator } from './inference-estimate.js';
import type { BreakerState } from '../../ports/fetcher.js';
import { toBreakerState } from '../http-fetcher/breakers.js';
import { createWorkerPool, type WorkerPool } from '../worker-pool/factory.js';
import { moduleFile } from '../../shared/module-file.js';

export interface SemanticModelOptions {
  /** A Hugging Face ONNX export: tokenizer.json, config.json, onnx/model(_quantized).onnx. */
  dir: string;
  /** Tokens per sequence (a query–document pair for a cross-encoder), special tokens included. */
  maxLength?: number;
  /** Sequences per `session.run()`; PITFALLS.md: keep it ≤ 32 (memory). */
  batchSize?: number;
  /** Worker threads in the pool, each with its own session (default 1). */
  threads?: number;
  /** onnxruntime intra-op threads per session (default: CPUs / threads, at most 4). */
  intraOpThreads?: number;
  /** Consecutive failures that open the breaker (default 5). */
  consecutiveFailures?: number;
  /** How long the breaker stays open before one trial call (default 30 s). */
  halfOpenAfterMs?: number;
  logger?: Pick<Logger, 'info' | 'warn' | 'error'>;
  /** The worker module (tests inject faults with their own); default: ./worker.(ts|js). */
  workerFile?: string;
}

function isRelevanceResult(result: WorkerResult): result is RelevanceResult {
  return 'scores' in result && typeof result.units === 'number' && typeof result.ms === 'number';
}

function isEmbedResult(result: WorkerResult): result is EmbedResult {
  return 'vectors' in result && typeof result.units === 'number' && typeof result.ms === 'number';
}

type InferenceTask = Extract<WorkerTask, { op: 'relevance' | 'embed' }>;

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** The files of the export, or ModelUnavailable('missing') naming what is not there. */
function locateFiles(dir: string): { modelFile: string } {
  let isDirectory: boolean;
  try {
    isDirectory = statSync(dir).isDirectory();
  } catch {
    isDirectory = false;
  }
  if (!isDirectory) throw new ModelUnavailable('missing', `No model directory at ${dir}`);
  for (const name of ['tokenizer.json', 'config.json']) {
    if (!isFile(join(dir, name))) {
      throw new ModelUnavailable('missing', `The model directory ${dir} has no ${name}`);
    }
  }
  const candidates = ['model_quantized.onnx', 'model.onnx'].map((name) => join(dir, 'onnx', name));
  const modelFile = candidates.find(isFile);
  if (modelFile === undefined) {
    throw new ModelUnavailable(
      'missing',
      `The model directory ${dir} has neither onnx/model_quantized.onnx nor onnx/model.onnx`,
    );
  }
  return { modelFile };
}

function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

export class OnnxSemanticModel implements SemanticModel {
  readonly name: string;
  readonly kind: 'cross' | 'bi';
  private readonly breaker: CircuitBreakerPolicy;
  private closed = false;
  /** Cancel flags of the tasks in the pool (queued or running). */
  private readonly running = new Set<Int32Array>();
  private readonly estimator: InferenceEstimator;

  constructor(
    private readonly pool: WorkerPool<WorkerTask, WorkerResult>,
    private readonly files: ModelFiles,
    description: ModelDescription,
    options: SemanticModelOptions,
  ) {
    this.name = basename(files.dir);
    this.kind = description.kind;
    this.estimator = new InferenceEstimator(
      description.kind,
      files.maxLength,
      Math.max(1, options.threads ?? 1),
    );
    this.breaker = circuitBreaker(handleAll, {
      halfOpenAfter: options.halfOpenAfterMs ?? 30_000,
      breaker: new ConsecutiveBreaker(options.consecutiveFailures ?? 5),
    });
    const logger = options.logger;
    if (logger !== undefined) {
      this.breaker.onBreak(() =>
        logger.warn({ model: this.name }, 'semantic model breaker opened'),
      );
      this.breaker.onReset(() =>
        logger.info({ model: this.name }, 'semantic model breaker closed'),
      );
    }
  }

  /** For /health: `open` while calls are refused without reaching the model. */
  breakerState(): BreakerState {
    return toBreakerState(this.breaker.state);
  }

  /**
   * Scores in document order. On abort the call rejects at once and the task's cancel flag is
   * set, so the worker drops it before its next batch (a queued task, before it starts). The
   * thread is never terminated: terminating a thread inside onnxruntime-node aborts the process
   * (worker.ts). A deadline counts as a failure for the breaker: a model that is too slow is as
   * unusable as one that throws.
   */
  async relevance(query: string, documents: string[], signal: AbortSignal): Promise<number[]> {
    if (this.closed) throw new ModelUnavailable('missing', 'The semantic model is closed');
    if (signal.aborted) {
      throw new ModelUnavailable('deadline', 'The deadline passed before the model was called');
    }
    if (documents.length === 0) return [];
    try {
      const { scores } = await this.breaker.execute(
        () =>
          this.runCancellable(
            { op: 'relevance', model: this.files, query, documents },
            this.estimator.units(query, documents),
            isRelevanceResult,
            signal,
          ),
        signal,
      );
      if (scores === null) {
        // Cancelled without our caller aborting: close() cancelled it.
        throw new ModelUnavailable('missing', 'The semantic model closed');
      }
      if (!Array.isArray(scores) || scores.length !== documents.length) {
        throw new ModelUnavailable('failed', 'The semantic model returned a malformed answer');
      }
      return scores;
    } catch (error) {
      throw this.unavailable(error, signal);
    }
  }

  estimate(query: string, documents: string[]): InferenceEstimate | undefined {
    return this.estimator.estimate(query, documents);
  }

  /**
   * The pool's answer, or a rejection as soon as `signal` aborts (the task is then cancelled).
   * Every answer, a cancelled task's included, feeds the estimate.
   */
  private runCancellable<R extends RelevanceResult | EmbedResult>(
    task: InferenceTask,
    units: number,
    isAnswer: (result: WorkerResult) => result is R,
    signal: AbortSignal,
  ): Promise<R> {
    const cancel = new Int32Array(new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT));
    this.running.add(cancel);
    this.estimator.submitted(units);
    const running = this.pool.run({ ...task, cancel }).then((result) => {
      if (!isAnswer(result)) throw new Error(`unexpected answer to ${task.op}`);
      this.estimator.observe(result.units, result.ms);
      return result;
    });
    return new Promise<R>((resolve, reject) => {
      const onAbort = (): void => {
        Atomics.store(cancel, 0, 1);
        reject(signal.reason);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      running.then(resolve, reject).finally(() => {
        signal.removeEventListener('abort', onAbort);
        this.running.delete(cancel);
        this.estimator.settled(units);
      });
    });
  }

  /**
   * Embeddings in text order, under the same rules as relevance (cancel on abort, the breaker,
   * ModelUnavailable). A cross-encoder refuses at once ('missing'), without counting a failure.
   */
  async embed(texts: string[], signal: AbortSignal): Promise<Float32Array[]> {
    if (this.kind !== 'bi') {
      throw new ModelUnavailable(
        'missing',
        `The semantic model ${this.name} is a cross-encoder: it has no embeddings`,
      );
    }
    if (this.closed) throw new ModelUnavailable('missing', 'The semantic model is closed');
    if (signal.aborted) {
      throw new ModelUnavailable('deadline', 'The deadline passed before the model was called');
    }
    if (texts.length === 0) return [];
    try {
      const { vectors, dimensions } = await this.breaker.execute(
        () =>
          this.runCancellable(
            { op: 'embed', model: this.files, texts },
            this.estimator.units('', texts),
            isEmbedResult,
            signal,
          ),
        signal,
      );
      if (vectors === null) throw new ModelUnavailable('missing', 'The semantic model closed');
      if (dimensions < 1 || vectors.length !== dimensions * texts.length) {
        throw new ModelUnavailable('failed', 'The semantic model returned a malformed answer');
      }
      return texts.map((_, index) => vectors.slice(index * dimensions, (index + 1) * dimensions));
    } catch (error) {
      throw this.unavailable(error, signal);
    }
  }

  async similarity(source: string, targets: string[], signal: AbortSignal): Promise<number[]> {
    const scores = await this.relevance(source, targets, signal);
    // A bi-encoder's relevance already is a cosine; a cross-encoder's logit becomes 0–1.
    return this.kind === 'bi' ? scores : scores.map(sigmoid);
  }

  private unavailable(error: unknown, signal: AbortSignal): ModelUnavailable {
    if (error instanceof ModelUnavailable) return error;
    if (error instanceof BrokenCircuitError || error instanceof IsolatedCircuitError) {
      return new ModelUnavailable(
        'open_circuit',
        'The semantic model failed repeatedly; retry later',
      );
    }
    if (signal.aborted) {
      return new ModelUnavailable(
        'deadline',
        'The semantic model did not answer before the deadline',
      );
    }
    const message = error instanceof Error ? error.message : String(error);
    return new ModelUnavailable('failed', `The semantic model failed: ${message}`);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // Cancel what is queued or running and let the threads finish their current batch:
    // destroying them mid-inference would abort the process (see relevance).
    for (const cancel of this.running) Atomics.store(cancel, 0, 1);
    await this.pool.close();
  }
}

/**
 * Opens the export in `dir`: checks its files (ModelUnavailable 'missing'), starts the pool and
 * loads the model in a worker, detecting cross- vs bi-encoder from its outputs (a model that
 * onnxruntime or the tokenizer cannot load: 'failed').
 */
export async function openSemanticModel(options: SemanticModelOptions): Promise<OnnxSemanticModel> {
  const dir = resolve(options.dir);
  const { modelFile } = locateFiles(dir);
  const threads = Math.max(1, options.threads ?? 1);
  const files: ModelFiles = {
    dir,
    modelFile,
    maxLength: options.maxLength ?? 256,
    batchSize: Math.max(1, Math.min(options.batchSize ?? 32, 32)),
    intraOpThreads:
      options.intraOpThreads ??
      Math.max(1, Math.min(4, Math.floor(availableParallelism() / threads))),
  };
  // No task timeout and no abort signal: the pool must never terminate a thread (see relevance).
  const pool = createWorkerPool<WorkerTask, WorkerResult>({
    workerFile: options.workerFile ?? moduleFile(new URL('./worker.ts', import.meta.url)),
    minThreads: threads,
    maxThreads: threads,
  });
  let description: ModelDescription;
  try {
    const result = await pool.run({ op: 'describe', model: files });
    if (!('kind' in result)) throw new Error('unexpected answer to describe');
    description = result;
  } catch (error) {
    await pool.destroy().catch(() => undefined);
    const message = error instanceof Error ? error.message : String(error);
    throw new ModelUnavailable('failed', `Cannot load the model in ${dir}: ${message}`);
  }
  options.logger?.info(
    { model: basename(dir), kind: description.kind, file: basename(modelFile), threads },
    'semantic model loaded',
  );
  return new OnnxSemanticModel(pool, files, description, options);
}
