/**
 * Shared by the rerank route tests (POST /v1/rerank, /v2/rerank and /v1/similarity): the answer
 * shapes, a fake semantic model (one that scores from a table, one that fails, one that never
 * answers before its deadline), the real app with a model or a lexical scorer injected, the real
 * lexical scoring pool recording its tasks, and the documents the tests rank.
 */
import assert from 'node:assert/strict';
import { LexicalScoringPool } from '../../../../src/adapters/pools/lexical-scoring-pool.js';
import { buildApp, type App, type BuildAppOptions } from '../../../../src/app.js';
import { loadConfig } from '../../../../src/config.js';
import type { LexicalScorer, LexicalTask } from '../../../../src/ports/lexical-scorer.js';
import {
  ModelUnavailable,
  type InferenceEstimate,
  type ModelUnavailableReason,
  type SemanticModel,
} from '../../../../src/ports/semantic-model.js';
import { THREAD_ENTRIES } from '../../../../src/threads/entry-files.js';
import { onCleanup, tempDir, TEST_ADMIN_KEY, type TestApp } from '../../../helpers/app.js';
import { captureLogs } from '../../../helpers/logs.js';

export const auth = { authorization: `Bearer ${TEST_ADMIN_KEY}` };

export interface RerankAnswer {
  id: string;
  results: { index: number; relevance_score: number; document?: { text: string } }[];
  meta: {
    method: string;
    model: string;
    degraded: boolean;
    degraded_reason?: string;
    requested_model?: string;
    took_ms: number;
    billed_units: { search_units: number };
    api_version: { version: string };
  };
}

export interface SimilarityAnswer {
  scores: number[];
  meta: { method: string; model: string; degraded: boolean; degraded_reason?: string };
}

/** A test double of the semantic model port. */
export class FakeModel implements SemanticModel {
  calls = 0;

  constructor(
    readonly name: string,
    private readonly behaviour:
      | { kind: 'table'; scores: Record<string, number> }
      | { kind: 'fail'; reason: ModelUnavailableReason }
      | { kind: 'hang' },
    /** `bi`: scores pass through as cosines; `cross`: they are logits (rerank applies sigmoid). */
    readonly kind: 'cross' | 'bi' = 'bi',
  ) {}

  private answer(texts: string[], signal: AbortSignal): Promise<number[]> {
    this.calls++;
    const behaviour = this.behaviour;
    if (behaviour.kind === 'fail') {
      return Promise.reject(new ModelUnavailable(behaviour.reason, 'the fake model failed'));
    }
    if (behaviour.kind === 'hang') {
      return new Promise((_, reject) =>
        signal.addEventListener('abort', () => reject(new ModelUnavailable('deadline', 'aborted'))),
      );
    }
    return Promise.resolve(texts.map((text) => behaviour.scores[text] ?? 0));
  }

  relevance(_query: string, documents: string[], signal: AbortSignal): Promise<number[]> {
    return this.answer(documents, signal);
  }

  similarity(_source: string, targets: string[], signal: AbortSignal): Promise<number[]> {
    return this.answer(targets, signal);
  }

  /** What estimate() answers (the real adapter learns it from its inferences). */
  estimated: InferenceEstimate | undefined;

  estimate(): InferenceEstimate | undefined {
    return this.estimated;
  }

  async close(): Promise<void> {}
}

/** The real app from buildApp, with a semantic model or a lexical scorer injected. */
export async function appWith(
  injected: Pick<BuildAppOptions, 'semanticModel' | 'lexicalScorer'>,
  env: Record<string, string> = {},
): Promise<App> {
  const config = loadConfig({
    QUIRE_DATA_DIR: tempDir(),
    QUIRE_LOG_LEVEL: 'warn',
    QUIRE_BOOTSTRAP_ADMIN_KEY: TEST_ADMIN_KEY,
    QUIRE_MAX_EVENT_LOOP_DELAY_MS: '0',
    ...env,
  });
  const app = await buildApp({ config, logger: captureLogs().logger, ...injected });
  onCleanup(() => app.close());
  return app;
}

export async function appWithModel(
  model: SemanticModel,
  env: Record<string, string> = {},
): Promise<App> {
  return appWith({ semanticModel: model }, env);
}

/**
 * The real lexical scoring pool (its worker entry and all, or `workerFile`), recording each task
 * it is given.
 */
export function recordingPool(
  threads = 1,
  workerFile = THREAD_ENTRIES.lexicalScoring(),
): { scorer: LexicalScorer; tasks: LexicalTask['kind'][] } {
  const pool = new LexicalScoringPool({
    workerFile,
    threads,
    timeoutMs: 30_000,
    heapMb: 256,
    maxQueue: 8,
  });
  onCleanup(() => pool.close());
  const tasks: LexicalTask['kind'][] = [];
  const scorer: LexicalScorer = {
    freeThreads: () => pool.freeThreads(),
    score(task) {
      tasks.push(task.kind);
      return pool.score(task);
    },
  };
  return { scorer, tasks };
}

export async function post(app: App, url: string, payload: unknown) {
  return app.inject({ method: 'POST', url, headers: auth, payload: payload as object });
}

export async function rerank(app: App, payload: unknown): Promise<RerankAnswer> {
  const response = await post(app, '/v1/rerank', payload);
  assert.equal(response.statusCode, 200, response.body);
  return response.json<RerankAnswer>();
}

export const indexes = (answer: RerankAnswer): number[] =>
  answer.results.map((result) => result.index);

/** Lexical order for "cat": 2, 0, 1, 3. */
export const DOCS = [
  'the cat sat on the mat',
  'dogs and cats',
  'a cat, a cat, a CAT',
  'nothing here',
];

/**
 * For the fake model. Lexical order for "apple": d0 (tf 3), d1 (tf 1), then d2 and d3 (0, by
 * index). The fake's semantic order: d2 (0.9), d0 (0.5), d1 (0.4), d3 (0).
 */
export const SEMANTIC_DOCUMENTS = [
  'apple apple apple',
  'apple pie',
  'fruit that grows on trees',
  'banana',
];
export const SEMANTIC_TABLE = {
  [SEMANTIC_DOCUMENTS[0] ?? '']: 0.5,
  [SEMANTIC_DOCUMENTS[1] ?? '']: 0.4,
  [SEMANTIC_DOCUMENTS[2] ?? '']: 0.9,
};

/** For the real (tiny, generated) ONNX model. */
export const MODEL_DOCUMENTS = [
  'The quarterly report shows revenue growth in every region.',
  'A recipe for sourdough bread with a long cold fermentation.',
  'Revenue grew by twelve percent, the report says, led by exports.',
  '',
];

/** Reranks MODEL_DOCUMENTS for "revenue report" with `method`; the status and the raw body. */
export async function rerankModelDocuments(
  t: TestApp,
  method: string,
): Promise<{ status: number; body: string }> {
  const response = await t.app.inject({
    method: 'POST',
    url: '/v1/rerank',
    headers: t.admin,
    payload: { query: 'revenue report', documents: MODEL_DOCUMENTS, method },
  });
  return { status: response.statusCode, body: response.body };
}
