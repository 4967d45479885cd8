/**
 * The sweep puts back into Redis what SQL says is due, so Redis can lose jobs without SQL losing
 * any: a `running` row whose lease ran out (its worker died) gets its BullMQ job moved back to
 * waiting although the dead worker's lock has not run out yet (or added again if Redis lost it);
 * a `queued` row due for longer than the grace period is added again (a no-op for a job BullMQ
 * has), which recovers a job whose process died between the SQL commit and `enqueue`. It runs
 * from `reserve`, at most every interval and every eighth of the lease: a dead worker's job is
 * fetchable again within lease × 9/8 of its last heartbeat (9 s for the default 8 s lease).
 */
import type { Kysely } from 'kysely';
import type { DatabaseSchema } from '../sql/schema.js';
import { MIN_CHECK_MS, type BullQueues } from './bull-queues.js';
import type { HeldJobs } from './held-jobs.js';
import { iso, type RecordMirror } from './record-mirror.js';
import type { RedisLink, ReportError } from './redis-link.js';

/** Rows of each kind (expired, overdue) one sweep looks at. */
const SWEEP_BATCH = 100;

export interface SweeperOptions {
  db: Kysely<DatabaseSchema>;
  link: RedisLink;
  bull: BullQueues;
  mirror: RecordMirror;
  held: HeldJobs;
  now: () => number;
  report: ReportError;
  /** Longest pause between two sweeps. */
  intervalMs: number;
  /** How long a due `queued` row may wait before it is added again. */
  graceMs: number;
  /** The lease workers are expected to use, until one reserves with a shorter one. */
  leaseMs: number;
}

/** A `running` row whose lease ran out, as the sweep read it. */
interface ExpiredRow {
  id: string;
  type: string;
  lane: string;
  lease_owner: string | null;
  lease_until: string | null;
}

/**
 * The pause between two sweeps: the interval, or an eighth of the shortest lease when that is
 * shorter. An expired lease waits at most this long for the sweep to hand its job back; an eighth
 * costs each idle worker two indexed selects a second with the default lease.
 */
export function sweepPauseMs(intervalMs: number, shortestLeaseMs: number): number {
  return Math.min(intervalMs, Math.max(MIN_CHECK_MS, shortestLeaseMs / 8));
}

export class Sweeper {
  private shortestLeaseMs: number;
  private lastSweep = -Infinity;
  private sweeping: Promise<void> | undefined;

  constructor(private readonly options: SweeperOptions) {
    this.shortestLeaseMs = options.leaseMs;
  }

  /** A worker holds jobs under this lease: sweep often enough to take them over in time. */
  noteLease(leaseMs: number): void {
    this.shortestLeaseMs = Math.min(this.shortestLeaseMs, leaseMs);
  }

  /** Sweeps, unless a sweep is running or the last one began less than a pause ago. */
  async maybeSweep(): Promise<void> {
    const { now, held, report } = this.options;
    const pause = sweepPauseMs(this.options.intervalMs, this.shortestLeaseMs);
    if (this.sweeping !== undefined || now() - this.lastSweep < pause) return;
    this.lastSweep = now();
    // A job whose runner went away without a word (its lock long expired) is no longer held.
    held.forgetStale(this.lastSweep);
    this.sweeping = this.sweep()
      .catch((error: unknown) => report(error, 'job sweep'))
      .finally(() => {
        this.sweeping = undefined;
      });
    await this.sweeping;
  }

  /** Resolves once no sweep is running. */
  async idle(): Promise<void> {
    await this.sweeping;
  }

  /** At most SWEEP_BATCH rows of each kind per sweep. */
  private async sweep(): Promise<void> {
    const { db, bull, now, graceMs } = this.options;
    const at = now();
    const [expired, waiting] = await Promise.all([
      db
        .selectFrom('jobs')
        .select(['id', 'type', 'lane', 'lease_owner', 'lease_until'])
        .where('status', '=', 'running')
        .where('lease_until', '<', iso(at))
        .orderBy('lease_until')
        .limit(SWEEP_BATCH)
        .execute(),
      db
        .selectFrom('jobs')
        .select(['id', 'type', 'lane'])
        .where('status', '=', 'queued')
        .where('next_attempt_at', '<=', iso(at - graceMs))
        .orderBy('next_attempt_at')
        .limit(SWEEP_BATCH)
        .execute(),
    ]);
    await Promise.all([
      ...expired.map((row) => this.handBack(row)),
      ...waiting.map(({ id, type, lane }) => bull.add(type, lane, id, 0)),
    ]);
  }

  /** Makes the job of a row whose lease ran out fetchable again. */
  private async handBack(row: ExpiredRow): Promise<void> {
    const { link, bull, mirror } = this.options;
    const queue = bull.queue(row.type, row.lane);
    const job = await link.call(queue.getJob(row.id), `reading job ${row.id}`);
    if (job === undefined) {
      await bull.add(row.type, row.lane, row.id, 0); // Redis lost it
      return;
    }
    // Still locked by its dead (or late) worker, since a lock outlives the lease: hand it back
    // to waiting unless it was claimed again meanwhile. Without a token, moveToWait moves an
    // active job whoever holds its lock (and leaves a waiting or delayed one where it is);
    // the next claim decides who runs it, and the late worker's heartbeat then fails.
    const current = await mirror.readRow(row.id);
    if (
      current?.status === 'running' &&
      current.lease_owner === row.lease_owner &&
      current.lease_until === row.lease_until
    )
      await link.call(job.moveToWait(), `requeueing job ${row.id}`);
  }
}
