/**
 * Rerank and similarity: the lexical path (BM25 / TF-IDF cosine, src/domain/bm25.ts), the
 * semantic path (the optional SemanticModel port) and the hybrid of both, with the degradation
 * rules of API.md in one place: `hybrid` falls back to lexical with `degraded: true` when the
 * model is missing, failing or past its deadline; `semantic` answers 503 MODEL_UNAVAILABLE.
 * No Fastify here; big lexical jobs go to the LexicalScorer port the app passes (a worker pool),
 * so the event loop never scores megabytes of text itself.
 */
import { AppError } from '../errors.js';
import type { Bm25Params, LexicalScorer, LexicalTask } from '../ports/lexical-scorer.js';
import {
  ModelUnavailable,
  type ModelUnavailableReason,
  type SemanticModel,
} from '../ports/semantic-model.js';
import {
  bm25Counts,
  bm25FromCounts,
  bm25Scores,
  queryTerms,
  rankByScore,
  tfidfCosine,
} from './bm25.js';
import type { LexicalCostModel } from './lexical-cost.js';
import { bestFusedScore, reciprocalRankFusion } from './rank-fusion.js';
import { inSpan } from '../shared/spans.js';

export const RERANK_METHODS = ['lexical', 'semantic', 'hybrid'] as const;
export type RerankMethod = (typeof RERANK_METHODS)[number];

/** Hybrid sends the best this-many BM25 documents (or top_n, if larger) to the model. */
export const HYBRID_SHORTLIST = 100;
/** Lexical relevance_score = s / (s + LEXICAL_HALF_SCORE): a raw BM25 score of 1 maps to 0.5. */
export const LEXICAL_HALF_SCORE = 1;

/** The scores of a lexical task, computed here (inline, or in a LexicalScorer's thread). */
export function runLexicalTask(task: LexicalTask): Float64Array {
  switch (task.kind) {
    case 'bm25':
      return bm25Scores(task.query, task.documents, task.params);
    case 'bm25-counts':
      return bm25Counts(task.terms, task.documents);
    case 'cosine':
      return tfidfCosine(task.source, task.targets);
  }
}

/** Where a lexical task was scored: on the request thread, or in the pool in `parts` slices. */
export type LexicalPlacement = { where: 'inline' } | { where: 'pool'; parts: number };

export interface RerankServiceOptions {
  model: SemanticModel | null;
  /** How long the model may take per request (QUIRE_RERANK_DEADLINE_MS). */
  deadlineMs: number;
  bm25: Bm25Params;
  /** Scores lexical tasks off the request thread; none: everything is scored inline. */
  offload?: LexicalScorer | null;
  /** Estimates a lexical task's CPU time (calibrated on this machine at start-up). */
  cost?: LexicalCostModel;
  /**
   * Estimated microseconds of scoring the request thread may spend itself; a dearer task goes to
   * `offload`, cut into as many slices as it has free threads, each costing at least this.
   */
  inlineBudgetUs?: number;
  /** Told where each lexical task was scored. */
  onLexical?: (placement: LexicalPlacement) => void;
  /** Told every time a hybrid answer degrades to lexical. */
  onDegraded?: (reason: ModelUnavailableReason) => void;
}

export interface RerankInput {
  query: string;
  documents: string[];
  /** Results to return (default: all). */
  topN?: number;
  method?: RerankMethod;
  returnDocuments: boolean;
  /**
   * Scores before they are mapped to 0–1 (TEI's `raw_scores`): the raw BM25 score, the
   * cross-encoder's logit, the unnormalised RRF sum. Default false.
   */
  raw?: boolean;
}

export interface RerankResult {
  index: number;
  relevance_score: number;
  document?: { text: string };
}

export interface ScoringMeta {
  method: RerankMethod;
  /** What produced the scores: `bm25`, the model's name, or both joined by `+`. */
  model: string;
  degraded: boolean;
  /** Why the answer degraded (only when it did). */
  degraded_reason?: ModelUnavailableReason;
  took_ms: number;
}

export interface RerankOutcome {
  results: RerankResult[];
  meta: ScoringMeta;
}

export interface SimilarityOutcome {
  scores: number[];
  meta: ScoringMeta;
}

/**
 * Model names of other rerank APIs (Cohere's `rerank-v3.5`, `rerank-english-v3.0`…, Jina's
 * `jina-reranker-v2-base-multilingual`…) that clients send by default: Quire answers them with its
 * own scorer (the request's `method`, or the default) rather than refusing those clients.
 */
export const COMPATIBLE_MODEL_PREFIXES = ['rerank-', 'jina-reranker-', 'jina-colbert-'] as const;

const LEXICAL_MODEL = 'bm25';
const COSINE_MODEL = 'tfidf-cosine';

function reasonOf(error: unknown): ModelUnavailableReason {
  return error instanceof ModelUnavailable ? error.reason : 'failed';
}

/** A cross-encoder's relevance is a logit: its sigmoid is the 0–1 score Cohere clients expect. */
const sigmoid = (logit: number): number => 1 / (1 + Math.exp(-logit));

const round = (value: number): number => Math.round(value * 1000) / 1000;

/** `texts` cut into `parts` consecutive, non-empty slices of about equal total length. */
export function sliceByLength(texts: readonly string[], parts: number): string[][] {
  let total = 0;
  for (const text of texts) total += text.length + 1;
  const slices: string[][] = [];
  let current: string[] = [];
  let seen = 0;
  for (let i = 0; i < texts.length; i++) {
    const text = texts[i] ?? '';
    current.push(text);
    seen += text.length + 1;
    const remainingTexts = texts.length - i - 1;
    const remainingSlices = parts - slices.length - 1;
    if (
      remainingSlices > 0 &&
      remainingTexts >= remainingSlices &&
      (seen >= (total * (slices.length + 1)) / parts || remainingTexts === remainingSlices)
    ) {
      slices.push(current);
      current = [];
    }
  }
  if (current.length > 0) slices.push(current);
  return slices;
}

export class RerankService {
  readonly defaultMethod: RerankMethod;

  constructor(private readonly options: RerankServiceOptions) {
    this.defaultMethod = options.model === null ? 'lexical' : 'hybrid';
  }

  get modelName(): string | null {
    return this.options.model?.name ?? null;
  }

  /**
   * The method a request's `model` names, `undefined` for "the request's `method`, or the
   * default" — or 400 UNKNOWN_MODEL listing the names this server takes. Quire's own names are
   * those its answers report in `meta.model`; other rerank APIs' model names are answered by
   * Quire's scorer (docs/api.md, "Model names").
   */
  methodOfModel(name: string | undefined): RerankMethod | undefined {
    if (name === undefined || COMPATIBLE_MODEL_PREFIXES.some((prefix) => name.startsWith(prefix)))
      return undefined;
    if (name === LEXICAL_MODEL || name === COSINE_MODEL) return 'lexical';
    const model = this.options.model?.name;
    if (model !== undefined && name === model) return 'semantic';
    if (model !== undefined && name === `${model}+${LEXICAL_MODEL}`) return 'hybrid';
    const own = [
      LEXICAL_MODEL,
      COSINE_MODEL,
      ...(model === undefined ? [] : [model, `${model}+${LEXICAL_MODEL}`]),
    ];
    throw new AppError(
      'UNKNOWN_MODEL',
      `Unknown model "${name.slice(0, 100)}". This server takes ${own.map((n) => `"${n}"`).join(', ')}, or a name starting with ${COMPATIBLE_MODEL_PREFIXES.map((p) => `"${p}"`).join(', ')} (Cohere, Jina), which its own scorer answers.`,
    );
  }

  /** Reranks in a `rerank` span (method, sizes, model, degradation; never the texts). */
  rerank(input: RerankInput): Promise<RerankOutcome> {
    const attributes = {
      'quire.rerank.method': input.method ?? this.defaultMethod,
      'quire.rerank.documents': input.documents.length,
    };
    return inSpan('rerank', { attributes }, async (span) => {
      const outcome = await this.#rerank(input);
      span.setAttributes({
        'quire.rerank.model': outcome.meta.model,
        'quire.rerank.degraded': outcome.meta.degraded,
      });
      return outcome;
    });
  }

  async #rerank(input: RerankInput): Promise<RerankOutcome> {
    const started = performance.now();
    const method = input.method ?? this.defaultMethod;
    const { query, documents } = input;
    const topN = Math.min(input.topN ?? documents.length, documents.length);
    let scores: ArrayLike<number>;
    let meta: Omit<ScoringMeta, 'took_ms'>;

    if (method === 'semantic') {
      const model = this.requireModel();
      const relevance = await this.callModel(model, query, documents, (signal) =>
        model.relevance(query, documents, signal),
      ).catch((error: unknown) => {
        throw this.unavailable(error);
      });
      scores = model.kind === 'cross' && input.raw !== true ? relevance.map(sigmoid) : relevance;
      meta = { method, model: model.name, degraded: false };
    } else {
      const raw = await this.lexical({ kind: 'bm25', query, documents, params: this.options.bm25 });
      scores =
        input.raw === true ? raw : Array.from(raw, (score) => score / (score + LEXICAL_HALF_SCORE));
      meta = { method, model: LEXICAL_MODEL, degraded: false };
      if (method === 'hybrid') {
        const fused = await this.fuse(query, documents, raw, topN, input.raw === true);
        if ('reason' in fused) {
          meta = { method, model: LEXICAL_MODEL, degraded: true, degraded_reason: fused.reason };
        } else {
          scores = fused.scores;
          meta = { method, model: `${fused.model}+${LEXICAL_MODEL}`, degraded: false };
        }
      }
    }

    const results = rankByScore(scores)
      .slice(0, topN)
      .map((index): RerankResult => {
        const result: RerankResult = { index, relevance_score: scores[index] ?? 0 };
        if (input.returnDocuments) result.document = { text: documents[index] ?? '' };
        return result;
      });
    return { results, meta: { ...meta, took_ms: round(performance.now() - started) } };
  }

  async similarity(
    source: string,
    targets: string[],
    method: RerankMethod = this.defaultMethod,
  ): Promise<SimilarityOutcome> {
    const started = performance.now();
    const done = (scores: ArrayLike<number>, meta: Omit<ScoringMeta, 'took_ms'>) => ({
      scores: Array.from(scores),
      meta: { ...meta, took_ms: round(performance.now() - started) },
    });
    const model = this.options.model;
    if (method === 'semantic') {
      const required = this.requireModel();
      const scores = await this.callModel(required, source, targets, (signal) =>
        required.similarity(source, targets, signal),
      ).catch((error: unknown) => {
        throw this.unavailable(error);
      });
      return done(scores, { method, model: required.name, degraded: false });
    }
    if (method === 'hybrid') {
      // Semantic when the model answers in time; lexical cosine (degraded) otherwise.
      let reason: ModelUnavailableReason = 'missing';
      if (model !== null) {
        try {
          const scores = await this.callModel(model, source, targets, (signal) =>
            model.similarity(source, targets, signal),
          );
          return done(scores, { method, model: model.name, degraded: false });
        } catch (error) {
          reason = reasonOf(error);
        }
      }
      this.options.onDegraded?.(reason);
      const scores = await this.lexical({ kind: 'cosine', source, targets });
      return done(scores, { method, model: COSINE_MODEL, degraded: true, degraded_reason: reason });
    }
    const scores = await this.lexical({ kind: 'cosine', source, targets });
    return done(scores, { method, model: COSINE_MODEL, degraded: false });
  }

  /**
   * Semantic scores for the BM25 shortlist fused with the BM25 ranks by reciprocal rank fusion
   * (k = 60); documents outside the shortlist keep their lexical rank only. The fused score is
   * divided by its maximum, 2 / (k + 1), so relevance_score stays within 0–1.
   */
  private async fuse(
    query: string,
    documents: string[],
    raw: Float64Array,
    topN: number,
    unnormalised: boolean,
  ): Promise<{ scores: number[]; model: string } | { reason: ModelUnavailableReason }> {
    const model = this.options.model;
    if (model === null) {
      this.options.onDegraded?.('missing');
      return { reason: 'missing' };
    }
    const lexicalOrder = rankByScore(raw);
    const shortlist = lexicalOrder.slice(0, Math.max(HYBRID_SHORTLIST, topN));
    let semantic: number[];
    try {
      const texts = shortlist.map((index) => documents[index] ?? '');
      semantic = await this.callModel(model, query, texts, (signal) =>
        model.relevance(query, texts, signal),
      );
    } catch (error) {
      const reason = reasonOf(error);
      this.options.onDegraded?.(reason);
      return { reason };
    }
    const semanticOrder = rankByScore(semantic).map((position) => shortlist[position] ?? 0);
    const fused = reciprocalRankFusion([lexicalOrder, semanticOrder]);
    const best = unnormalised ? 1 : bestFusedScore(2);
    return {
      scores: documents.map((_, index) => (fused.get(index) ?? 0) / best),
      model: model.name,
    };
  }

  /**
   * Scores inline when the task's estimated cost is within the inline budget (or there is no
   * pool); otherwise in the pool, a big BM25 task cut into slices of documents of about equal
   * cost so that one request uses every thread. The slices' counts join into the same scores.
   */
  private async lexical(task: LexicalTask): Promise<Float64Array> {
    const { offload, cost, inlineBudgetUs = 0, onLexical } = this.options;
    const estimateUs = cost?.estimateUs(task, inlineBudgetUs) ?? Number.POSITIVE_INFINITY;
    if (offload === undefined || offload === null || estimateUs <= inlineBudgetUs) {
      onLexical?.({ where: 'inline' });
      return runLexicalTask(task);
    }
    const parts =
      task.kind === 'bm25'
        ? Math.min(
            offload.freeThreads(),
            task.documents.length,
            Math.floor(estimateUs / Math.max(1, inlineBudgetUs)),
          )
        : 1;
    onLexical?.({ where: 'pool', parts: Math.max(1, parts) });
    if (task.kind !== 'bm25' || parts < 2) return offload.score(task);
    const terms = queryTerms(task.query);
    if (terms.length === 0) return new Float64Array(task.documents.length);
    const slices = sliceByLength(task.documents, parts);
    const counts = await Promise.all(
      slices.map((documents) => offload.score({ kind: 'bm25-counts', terms, documents })),
    );
    const joined = new Float64Array(task.documents.length * (terms.length + 1));
    let at = 0;
    for (const part of counts) {
      joined.set(part, at);
      at += part.length;
    }
    return bm25FromCounts(joined, terms.length, task.params);
  }

  private requireModel(): SemanticModel {
    const model = this.options.model;
    if (model === null) {
      throw new AppError('MODEL_UNAVAILABLE', 'No semantic model is configured on this server');
    }
    return model;
  }

  private unavailable(error: unknown): AppError {
    const reason = reasonOf(error);
    const detail =
      reason === 'deadline'
        ? `The semantic model did not answer within ${this.options.deadlineMs} ms`
        : reason === 'open_circuit'
          ? 'The semantic model is failing; calls are paused for a while'
          : reason === 'busy'
            ? `The semantic model is busy: this request would not finish within ${this.options.deadlineMs} ms`
            : 'The semantic model failed';
    return new AppError('MODEL_UNAVAILABLE', detail, { cause: error, retryAfterSeconds: 1 });
  }

  /**
   * Calls the model with a deadline signal and gives up at the deadline even if the model does
   * not honour the signal; the answer must hold one finite number per text. A model with work
   * queued is not called when its estimate says this request would finish past the deadline
   * (`busy`): the caller degrades at once instead of waiting for a deadline, and the breaker
   * does not count it, since the model did nothing wrong. An idle model is always tried, which
   * keeps its estimate current.
   */
  private async callModel(
    model: SemanticModel,
    query: string,
    texts: string[],
    call: (signal: AbortSignal) => Promise<number[]>,
  ): Promise<number[]> {
    const estimate = model.estimate(query, texts);
    if (
      estimate !== undefined &&
      estimate.waitMs > 0 &&
      estimate.waitMs + estimate.runMs > this.options.deadlineMs
    ) {
      throw new ModelUnavailable(
        'busy',
        `about ${Math.round(estimate.waitMs + estimate.runMs)} ms of inference ahead`,
      );
    }
    const expected = texts.length;
    // A timer of our own rather than AbortSignal.timeout: that one is unref'd, so nothing
    // would keep the process alive for a model that waits on it (in tests, under inject()).
    const controller = new AbortController();
    const signal = controller.signal;
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const error = new ModelUnavailable(
          'deadline',
          `no answer within ${this.options.deadlineMs} ms`,
        );
        controller.abort(error);
        reject(error);
      }, this.options.deadlineMs);
    });
    try {
      const scores = await Promise.race([call(signal), deadline]);
      if (scores.length !== expected || !scores.every((score) => Number.isFinite(score))) {
        throw new ModelUnavailable('failed', 'the model answered with the wrong number of scores');
      }
      return scores;
    } catch (error) {
      // A model that rejects because our signal fired missed the deadline, whatever it says.
      if (signal.aborted) throw new ModelUnavailable('deadline', 'deadline passed');
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }
}
