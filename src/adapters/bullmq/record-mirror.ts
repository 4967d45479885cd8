/**
 * Keeping a BullMQ job in step with its SQL row, the truth: a job whose row is gone or settled is
 * removed; a `queued` row's job waits until `next_attempt_at`; a `running` row's job is delayed
 * until the lease runs out (when anyone may claim it again).
 */
import type { Kysely } from 'kysely';
import type { DatabaseSchema } from '../sql/schema.js';
import type { BullJob } from './bull-queues.js';
import { lostLock, type RedisLink, type ReportError } from './redis-link.js';

/** What settling a BullMQ job needs to know about its SQL row. */
export interface RowState {
  status: string;
  lease_owner: string | null;
  lease_until: string | null;
  next_attempt_at: string;
}

/** A BullMQ job this process holds: the lock token proves it in Redis. */
export interface LockedJob {
  job: BullJob;
  token: string;
}

/** Where a BullMQ job belongs: removed (completed), due now, or due in `delayMs`. */
export type Placement = { to: 'completed' } | { to: 'wait' } | { to: 'delayed'; delayMs: number };

const SETTLED = new Set(['succeeded', 'failed', 'dead', 'cancelled']);
/** A row whose time cannot be read is looked at again after this. */
const UNREADABLE_TIME_RETRY_MS = 1_000;

export const iso = (ms: number): string => new Date(ms).toISOString();

/** Where the BullMQ job of a row in this state belongs at `nowMs` (undefined: no row). */
export function placement(row: RowState | undefined, nowMs: number): Placement {
  if (row === undefined || SETTLED.has(row.status)) return { to: 'completed' };
  const until = Date.parse(row.status === 'queued' ? row.next_attempt_at : (row.lease_until ?? ''));
  const waitMs = Number.isNaN(until) ? UNREADABLE_TIME_RETRY_MS : until - nowMs;
  if (waitMs <= 0) return { to: 'wait' };
  // A running row's lease: one millisecond more, so the claim finds it expired.
  return { to: 'delayed', delayMs: waitMs + (row.status === 'queued' ? 0 : 1) };
}

/** A row due at once: a job released this way goes straight back to waiting. */
export function dueNow(nowMs: number): RowState {
  return { status: 'queued', lease_owner: null, lease_until: null, next_attempt_at: iso(nowMs) };
}

export class RecordMirror {
  constructor(
    private readonly db: Kysely<DatabaseSchema>,
    private readonly link: RedisLink,
    private readonly now: () => number,
    private readonly report: ReportError,
  ) {}

  async readRow(jobId: string): Promise<RowState | undefined> {
    return this.db
      .selectFrom('jobs')
      .select(['status', 'lease_owner', 'lease_until', 'next_attempt_at'])
      .where('id', '=', jobId)
      .executeTakeFirst();
  }

  /**
   * Moves a BullMQ job this process holds to where its SQL row says it belongs, releasing the lock.
   * Errors are reported, never thrown: the row is the truth, and a job left locked stalls back.
   */
  async release({ job, token }: LockedJob, row: RowState | undefined): Promise<void> {
    try {
      await this.link.connected();
      const place = placement(row, this.now());
      if (place.to === 'completed')
        await this.link.call(job.moveToCompleted(null, token, false), 'completing a job');
      else if (place.to === 'wait') await this.link.call(job.moveToWait(token), 'requeueing a job');
      else
        await this.link.call(
          job.moveToDelayed(Date.now() + place.delayMs, token),
          'delaying a job',
        );
    } catch (error) {
      if (!lostLock(error)) this.report(error, `releasing job ${job.id ?? ''}`);
    }
  }

  /**
   * Ends the owner's SQL lease of a running job now, so that whoever holds the job in Redis can
   * claim it at once.
   */
  async endLease(jobId: string, owner: string): Promise<void> {
    await this.db
      .updateTable('jobs')
      .set({ lease_until: iso(this.now()) })
      .where('id', '=', jobId)
      .where('lease_owner', '=', owner)
      .where('status', '=', 'running')
      .execute();
  }
}
