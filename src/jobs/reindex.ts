/**
 * The re-index at start (issue 18): documents whose passages were cut or indexed otherwise than
 * this server does now — written before structure passages (migration 0013), or under other
 * QUIRE_PASSAGE_* / QUIRE_SEARCH_RANKING settings — are cut again from their stored pages, a few
 * at a time, in the background of every worker process, until none is left. Two workers doing the
 * same document at once only write the same passages twice (each re-index is one transaction).
 */
import type { Logger } from 'pino';
import type { ExtractionResults } from '../domain/documents/extraction-results.js';
import type { ContentStore } from '../ports/content-store.js';

const BATCH = 20;

export interface Reindexer {
  start(): void;
  stop(): Promise<void>;
}

export function createReindexer(
  content: Pick<ContentStore, 'staleDocuments'>,
  extractions: Pick<ExtractionResults, 'reindex'>,
  logger: Logger,
): Reindexer {
  let stopped = false;
  let running: Promise<void> = Promise.resolve();
  const run = async (): Promise<void> => {
    let done = 0;
    const failed = new Set<string>();
    while (!stopped) {
      const stale = (await content.staleDocuments(BATCH + failed.size)).filter(
        (entry) => !failed.has(entry.document_id),
      );
      if (stale.length === 0) break;
      for (const { tenant_id, document_id } of stale) {
        if (stopped) break;
        try {
          if (await extractions.reindex(tenant_id, document_id)) done++;
        } catch (error) {
          failed.add(document_id);
          logger.error({ err: error, document_id }, 're-index of a document failed');
        }
      }
    }
    if (done > 0) logger.info({ documents: done }, 'documents re-indexed');
  };
  return {
    start() {
      running = run().catch((error: unknown) => logger.error({ err: error }, 're-index stopped'));
    },
    async stop() {
      stopped = true;
      await running;
    },
  };
}
