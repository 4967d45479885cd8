/**
 * What the webhook services share: the stores and queue they write, the fetcher's guard, the
 * encryption key for secrets, the retry window, and the clock.
 */
import type { AuditLog } from '../../ports/audit-log.js';
import type { Clock } from '../../ports/clock.js';
import type { DomainEvent } from '../../ports/events.js';
import type { JobQueue } from '../../ports/job-queue.js';
import type { TenantStore } from '../../ports/tenant-store.js';
import type { UnitOfWork } from '../../ports/unit-of-work.js';

export interface WebhookServiceOptions {
  uow: UnitOfWork;
  queue: JobQueue;
  tenants: TenantStore;
  audit: AuditLog;
  /** The fetcher's request-time SSRF check (scheme and literal addresses). */
  guard: { assertAllowed(url: string): void };
  /** QUIRE_ENCRYPTION_KEY: secrets are stored sealed with it when set. */
  encryptionKey?: Buffer;
  /** The webhook job runner's first retry delay (QUIRE_WEBHOOK_RETRY_BASE_MS). */
  retryBaseMs: number;
  /** How long failing deliveries keep being retried (QUIRE_WEBHOOK_RETRY_WINDOW_S). */
  retryWindowMs: number;
  /** An event could not be turned into deliveries (logged and counted by the caller). */
  onPublishError?: (error: unknown, event: DomainEvent) => void;
  /** Default: the system clock. */
  clock?: Clock;
}
