/**
 * The re-index at start (issue 18): documents whose passages were cut or indexed otherwise than
 * this server does now — written before structure passages (migration 0013), or under other
 * QUIRE_PASSAGE_* / QUIRE_SEARCH_RANKING settings — are cut again from their stored pages, a few
 * at a time, in the background of every worker process, until none is left. Two workers doing the
 * same document at once only write the same passages twice (each re-index is one transaction).
 * Then, with a bi-encoder configured, passages without a vector of it (embedded while the model
 * failed, before it was configured, or by another model) are embedded.
 */
import type { Logger } from 'pino';
import type { ExtractionResults } from '../domain/documents/extraction-results.js';
import type { PassageEmbedder } from '../domain/passage-embeddings.js';
import type { ContentStore } from '../ports/content-store.js';

const BATCH = 20;

export interface Reindexer {
  start(): void;
  stop(): Promise<void>;
}

type Entry = { tenant_id: string; document_id: string };

export function createReindexer(
  content: Pick<ContentStore, 'staleDocuments'>,
  extractions: Pick<ExtractionResults, 'reindex'>,
  logger: Logger,
  embedder?: Pick<PassageEmbedder, 'documentsMissing' | 'fill'>,
): Reindexer {
  const stopping = new AbortController();
  let running: Promise<void> = Promise.resolve();

  /** Runs `each` on what `due` lists until nothing is left (a failed document is skipped). */
  const drain = async (
    due: (limit: number) => Promise<Entry[]>,
    each: (entry: Entry) => Promise<'done' | 'skipped' | 'stop'>,
    what: string,
  ): Promise<number> => {
    let done = 0;
    const failed = new Set<string>();
    while (!stopping.signal.aborted) {
      const entries = (await due(BATCH + failed.size)).filter(
        (entry) => !failed.has(entry.document_id),
      );
      if (entries.length === 0) break;
      for (const entry of entries) {
        if (stopping.signal.aborted) break;
        try {
          const outcome = await each(entry);
          if (outcome === 'stop') return done;
          if (outcome === 'done') done++;
          else failed.add(entry.document_id);
        } catch (error) {
          failed.add(entry.document_id);
          logger.error({ err: error, document_id: entry.document_id }, `${what} failed`);
        }
      }
    }
    return done;
  };

  const run = async (): Promise<void> => {
    const reindexed = await drain(
      (limit) => content.staleDocuments(limit),
      async ({ tenant_id, document_id }) =>
        (await extractions.reindex(tenant_id, document_id, stopping.signal)) ? 'done' : 'skipped',
      're-index of a document',
    );
    if (reindexed > 0) logger.info({ documents: reindexed }, 'documents re-indexed');
    if (embedder === undefined) return;
    const embedded = await drain(
      (limit) => embedder.documentsMissing(limit),
      async ({ tenant_id, document_id }) => {
        const stored = await embedder.fill(tenant_id, document_id, stopping.signal);
        if (typeof stored === 'number') return stored > 0 ? 'done' : 'skipped';
        // The model is unavailable: the next start tries again.
        logger.warn(
          { reason: stored.reason, document_id },
          'passage embeddings not filled: the semantic model is unavailable',
        );
        return 'stop';
      },
      'embedding of a document',
    );
    if (embedded > 0) logger.info({ documents: embedded }, 'passage embeddings filled');
  };
  return {
    start() {
      running = run().catch((error: unknown) => logger.error({ err: error }, 're-index stopped'));
    },
    async stop() {
      stopping.abort();
      await running;
    },
  };
}
