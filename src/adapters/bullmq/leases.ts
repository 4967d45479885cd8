/**
 * Taking and keeping jobs. `reserve` takes the next BullMQ job (small lanes first, then `types`
 * order), locked under a token made from the owner, then claims the SQL row with the same
 * conditional update as the SQL queue (`claimJob`); a BullMQ job whose row cannot be claimed is
 * put where the row says. The BullMQ lock is the lease in Redis, the row's `lease_until` the
 * lease in SQL: `heartbeat` extends both and answers false as soon as either is lost.
 */
import { randomUUID } from 'node:crypto';
import type { Worker } from 'bullmq';
import type { Kysely } from 'kysely';
import type { JobQueue } from '../../ports/job-queue.js';
import type { JobLane, JobRecord, JobType } from '../../ports/job-store.js';
import type { ContentCipher } from '../sql/content-cipher.js';
import { claimJob } from '../sql/job-queue.js';
import type { DatabaseSchema } from '../sql/schema.js';
import { LOCK_FACTOR, type BullJob, type BullQueues, type JobData } from './bull-queues.js';
import type { Held, HeldJobs } from './held-jobs.js';
import { dueNow, type RecordMirror, type RowState } from './record-mirror.js';
import { RedisUnavailable, type RedisLink, type ReportError } from './redis-link.js';

const LANES: JobLane[] = ['small', 'large'];
/** BullMQ jobs of one queue skipped (not claimable) in one reserve before moving on. */
const MAX_SKIPS = 32;

export interface LeasesOptions {
  db: Kysely<DatabaseSchema>;
  link: RedisLink;
  bull: BullQueues;
  mirror: RecordMirror;
  held: HeldJobs;
  /** The SQL queue over the same rows: what a lease means in SQL is its code. */
  records: JobQueue;
  now: () => number;
  /** Opens a claimed job's sealed secrets. */
  cipher: ContentCipher;
  report: ReportError;
}

/** The lanes to reserve from, small first; `only` (default: every lane) picks some. */
export function lanesInOrder(only?: JobLane[]): JobLane[] {
  return LANES.filter((lane) => only === undefined || only.includes(lane));
}

export class Leases {
  constructor(private readonly options: LeasesOptions) {}

  /** The first claimable job of these lanes and types, in that order; null if none. */
  async reserve(
    types: JobType[],
    owner: string,
    leaseMs: number,
    lanes: JobLane[],
  ): Promise<JobRecord | null> {
    for (const lane of lanes) {
      for (const type of types) {
        const worker = this.options.bull.worker(type, lane, leaseMs);
        const record = await this.reserveFrom(worker, owner, leaseMs);
        if (record !== null) return record;
      }
    }
    return null;
  }

  /** Extends the lock and the SQL lease; false once either is lost (the job then let go). */
  async heartbeat(jobId: string, owner: string, leaseMs: number): Promise<boolean> {
    const { held, mirror, records, now } = this.options;
    const holding = held.get(owner, jobId);
    if (holding === undefined) return false;
    if ((await this.extendLock(jobId, holding, leaseMs)) === 0) {
      // The lock ran out and the job went back to waiting, maybe to another worker: give up the
      // SQL lease too, so whoever holds the job in Redis now can claim it at once.
      held.take(owner, jobId);
      await mirror.endLease(jobId, owner);
      return false;
    }
    if (await records.heartbeat(jobId, owner, leaseMs)) {
      holding.until = now() + leaseMs;
      return true;
    }
    await this.releaseAsRowSays(jobId, owner); // cancelled or deleted meanwhile
    return false;
  }

  /** Lets go of a held job, moving it where its SQL row now says it belongs. */
  async releaseAsRowSays(jobId: string, owner: string): Promise<void> {
    const { held, mirror } = this.options;
    const holding = held.take(owner, jobId);
    if (holding === undefined) return;
    await mirror.release(holding, await mirror.readRow(jobId));
  }

  /** Lets go of a held job whose completion is committed in SQL: removed from BullMQ. */
  async releaseCompleted(jobId: string, owner: string): Promise<void> {
    const holding = this.options.held.take(owner, jobId);
    if (holding === undefined) return;
    // The completion is committed in SQL; a lock lost meanwhile changes nothing.
    await this.options.mirror.release(holding, undefined);
  }

  /** The next claimable job of one queue, skipping (and settling) those that are not. */
  private async reserveFrom(
    worker: Worker<JobData>,
    owner: string,
    leaseMs: number,
  ): Promise<JobRecord | null> {
    const { db, mirror, held, now } = this.options;
    for (let skipped = 0; skipped < MAX_SKIPS; skipped++) {
      // The token proves the lock: made from the owner, unguessable by any other process.
      const token = `${owner}:${randomUUID()}`;
      const job = await this.fetch(worker, token);
      if (job?.id === undefined) return null;
      let claimed: JobRecord | null;
      let row: RowState | undefined;
      try {
        claimed = await claimJob(db, job.id, owner, leaseMs, now, this.options.cipher);
        if (claimed === null) row = await mirror.readRow(job.id);
      } catch (error) {
        await mirror.release({ job, token }, dueNow(now())); // back to waiting for another try
        throw error;
      }
      if (claimed !== null) {
        held.hold(owner, claimed.id, { job, token, until: now() + leaseMs });
        return claimed;
      }
      await mirror.release({ job, token }, row);
    }
    return null;
  }

  /**
   * The next BullMQ job, locked under `token`. A fetch given up on (Redis or this event loop too
   * slow) still runs in Redis and may lock a job for nobody: that job is handed back to waiting as
   * soon as the late answer names it, instead of waiting for its lock to run out (two leases) and
   * for BullMQ's stalled check (half a lease more) while other workers are idle.
   */
  private async fetch(worker: Worker<JobData>, token: string): Promise<BullJob | undefined> {
    const { link, mirror, now, report } = this.options;
    const fetching = worker.getNextJob(token, { block: false }) as Promise<BullJob | undefined>;
    try {
      return await link.call(fetching, 'fetching a job');
    } catch (error) {
      void fetching.then(
        async (late) => {
          if (late === undefined) return;
          report(error, `fetching a job (its late answer locked job ${late.id}: handed back)`);
          // Not awaited by anyone: a failed hand-back is reported, never an unhandled rejection
          // (BullMQ's stalled check still frees the job then).
          await mirror
            .release({ job: late, token }, dueNow(now()))
            .catch((releaseError: unknown) =>
              report(releaseError, `handing back job ${late.id} after a late fetch`),
            );
        },
        () => undefined, // no job was locked
      );
      throw error;
    }
  }

  /** The lock's new expiry (0: the lock is lost), or 'unknown' when Redis did not answer. */
  private async extendLock(
    jobId: string,
    holding: Held,
    leaseMs: number,
  ): Promise<number | 'unknown'> {
    const { link, report } = this.options;
    try {
      await link.connected();
      return await link.call(
        holding.job.extendLock(holding.token, leaseMs * LOCK_FACTOR),
        'extending a lock',
      );
    } catch (error) {
      // Redis is unreachable, so nobody can take the job over from it meanwhile: keep the SQL
      // lease alive, and the lock answers again when Redis does.
      if (!(error instanceof RedisUnavailable)) report(error, `heartbeat of job ${jobId}`);
      return 'unknown';
    }
  }
}
