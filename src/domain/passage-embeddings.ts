/**
 * Passage embeddings for hybrid search: computed when a document is indexed (extraction and
 * re-index) by the configured bi-encoder, stored beside the passages (PassageVectorStore), and
 * the query's embedding at search time. A model failure never fails a document: its passages
 * stay searchable lexically, `onMissing` reports the passages left without a vector, and the
 * re-index at the next start fills them (`fill`).
 */
import type { ContentStore } from '../ports/content-store.js';
import type { PassageVector, PassageVectorStore } from '../ports/passage-vectors.js';
import {
  ModelUnavailable,
  type ModelUnavailableReason,
  type SemanticModel,
} from '../ports/semantic-model.js';

/**
 * Passages per call to the model, well under its own bound (PITFALLS.md: ≤ 32): a search's query
 * embedding queues behind the batch in progress, and a batch of 32 200-word passages took ~2.5 s
 * of a loaded 2-core machine, past the query's deadline (QUIRE_RERANK_DEADLINE_MS, 2 s).
 */
const BATCH = 8;
/** One batch's deadline at indexing: generous, a CPU-bound model on a busy machine is slow. */
const INDEX_DEADLINE_MS = 120_000;

export interface EmbeddedPassages {
  model: string;
  vectors: PassageVector[];
}

export type EmbeddingOutcome = EmbeddedPassages | { reason: ModelUnavailableReason };

export interface PassageEmbedderOptions {
  /** The configured model; only a bi-encoder embeds (otherwise nothing is done). */
  model: SemanticModel | null;
  vectors: PassageVectorStore;
  content: Pick<ContentStore, 'passages'>;
  /** How long a query's embedding may take (the rerank deadline). */
  queryDeadlineMs: number;
  /** Per batch at indexing (default 120 s). */
  indexDeadlineMs?: number;
  /** Passages embedded at indexing, and the seconds it took. */
  onEmbedded?(passages: number, seconds: number): void;
  /** Passages left without a vector, and why (the model was unavailable). */
  onMissing?(passages: number, reason: ModelUnavailableReason): void;
}

/** Runs `call` with a signal that aborts at the deadline or with `outer`, whichever is first. */
async function withDeadline<T>(
  ms: number,
  outer: AbortSignal | undefined,
  call: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const controller = new AbortController();
  const onOuter = (): void => controller.abort(outer?.reason);
  outer?.addEventListener('abort', onOuter, { once: true });
  if (outer?.aborted === true) controller.abort(outer.reason);
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = new ModelUnavailable('deadline', `no answer within ${ms} ms`);
      controller.abort(error);
      reject(error);
    }, ms);
  });
  try {
    return await Promise.race([call(controller.signal), deadline]);
  } catch (error) {
    if (controller.signal.aborted && !(error instanceof ModelUnavailable))
      throw new ModelUnavailable('deadline', 'deadline passed');
    throw error;
  } finally {
    clearTimeout(timer);
    outer?.removeEventListener('abort', onOuter);
  }
}

function reasonOf(error: unknown): ModelUnavailableReason {
  if (error instanceof ModelUnavailable) return error.reason;
  throw error;
}

export class PassageEmbedder {
  /** The name vectors are stored under; null when no bi-encoder is configured. */
  readonly modelName: string | null;
  readonly #model: SemanticModel | null;

  constructor(private readonly options: PassageEmbedderOptions) {
    const model = options.model;
    this.#model = model !== null && model.kind === 'bi' && model.embed !== undefined ? model : null;
    this.modelName = this.#model?.name ?? null;
  }

  /** The texts' embeddings, in batches, or why the model could not give them. */
  async #embed(
    texts: string[],
    signal: AbortSignal | undefined,
  ): Promise<Float32Array[] | { reason: ModelUnavailableReason }> {
    const model = this.#model;
    if (model?.embed === undefined) return { reason: 'missing' };
    const embed = model.embed.bind(model);
    const vectors: Float32Array[] = [];
    for (let start = 0; start < texts.length; start += BATCH) {
      const batch = texts.slice(start, start + BATCH);
      try {
        const answer = await withDeadline(
          this.options.indexDeadlineMs ?? INDEX_DEADLINE_MS,
          signal,
          (inner) => embed(batch, inner),
        );
        if (answer.length !== batch.length)
          throw new ModelUnavailable(
            'failed',
            'the model answered with the wrong number of vectors',
          );
        vectors.push(...answer);
      } catch (error) {
        return { reason: reasonOf(error) };
      }
    }
    return vectors;
  }

  /**
   * Embeds passages about to be stored (an extraction's); null when no bi-encoder is configured.
   * On a model failure the outcome says why and `onMissing` hears of it.
   */
  async embedPassages(
    passages: { id: string; text: string }[],
    signal?: AbortSignal,
  ): Promise<EmbeddingOutcome | null> {
    if (this.modelName === null || passages.length === 0) return null;
    const started = performance.now();
    const vectors = await this.#embed(
      passages.map((passage) => passage.text),
      signal,
    );
    if ('reason' in vectors) {
      this.options.onMissing?.(passages.length, vectors.reason);
      return vectors;
    }
    this.options.onEmbedded?.(passages.length, (performance.now() - started) / 1000);
    return {
      model: this.modelName,
      vectors: passages.map((passage, index) => ({
        passage_id: passage.id,
        vector: vectors[index] as Float32Array,
      })),
    };
  }

  /** Stores what embedPassages gave, for the passages that still exist; how many were stored. */
  store(tenantId: string, embedded: EmbeddedPassages): Promise<number> {
    return this.options.vectors.write(tenantId, embedded.model, embedded.vectors);
  }

  /**
   * Embeds and stores the document's passages that have no vector of the model (all of them
   * after a re-cut); the number stored, or why the model could not embed them.
   */
  async fill(
    tenantId: string,
    documentId: string,
    signal?: AbortSignal,
  ): Promise<number | { reason: ModelUnavailableReason }> {
    if (this.modelName === null) return 0;
    const missing = new Set(
      await this.options.vectors.missing(tenantId, documentId, this.modelName),
    );
    if (missing.size === 0) return 0;
    const passages = (await this.options.content.passages(tenantId, documentId)).filter((passage) =>
      missing.has(passage.id),
    );
    const embedded = await this.embedPassages(passages, signal);
    if (embedded === null) return 0;
    if ('reason' in embedded) return embedded;
    return this.store(tenantId, embedded);
  }

  /** Ready documents with passages that have no vector of the model (none without a model). */
  documentsMissing(limit: number): Promise<{ tenant_id: string; document_id: string }[]> {
    if (this.modelName === null) return Promise.resolve([]);
    return this.options.vectors.documentsMissing(this.modelName, limit);
  }

  /** A query's embedding within the query deadline; ModelUnavailable when there is none. */
  async embedQuery(text: string): Promise<Float32Array> {
    const model = this.#model;
    if (model?.embed === undefined)
      throw new ModelUnavailable('missing', 'No bi-encoder is configured');
    const embed = model.embed.bind(model);
    const [vector] = await withDeadline(this.options.queryDeadlineMs, undefined, (signal) =>
      embed([text], signal),
    );
    if (vector === undefined || vector.length === 0)
      throw new ModelUnavailable('failed', 'the model gave no vector');
    return vector;
  }
}
