/**
 * Apps whose extraction threads run the fault fixture (test/fixtures/fault-worker.ts: a text that
 * starts `QUIRE-FAULT:` throws, runs out of heap, hangs or goes slowly), with fast job polling.
 */
import { fileURLToPath } from 'node:url';
import { buildTestApp, type TestApp } from './app.js';

export const FAULT_WORKER = fileURLToPath(new URL('../fixtures/fault-worker.ts', import.meta.url));

export const FAST = {
  // Tests poll job state often; the standard tier's 600 reads a minute would run out.
  QUIRE_RATE_LIMIT_READ: '1000000',
  QUIRE_RATE_LIMIT_WRITE: '1000000',
  QUIRE_WORKER_POLL_MS: '20',
  QUIRE_JOB_RETRY_BASE_MS: '50',
  QUIRE_EXTRACTION_WORKERS: '2',
};

/** The embedded configuration on the fault fixture: two threads, two attempts, 10 s, 48 MB heap. */
export function buildFaultyExtractionApp(): Promise<TestApp> {
  return buildTestApp(
    {
      ...FAST,
      QUIRE_JOB_MAX_ATTEMPTS: '2',
      QUIRE_EXTRACTION_TIMEOUT_MS: '10000',
      QUIRE_EXTRACTION_HEAP_MB: '48',
    },
    { extractionWorkerFile: FAULT_WORKER },
  );
}
