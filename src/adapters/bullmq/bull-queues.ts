/**
 * The BullMQ side: one queue per (type, lane), named `quire-<type>-<lane>`, and one worker per
 * queue and lease that fetches only when asked (no processor runs inside it). A BullMQ job
 * carries only the SQL id, which is also its jobId, so adding it twice adds it once; BullMQ's own
 * retries are off (the SQL row decides).
 */
import { Queue, Worker, type Job, type JobsOptions } from 'bullmq';
import type { RedisLink, ReportError } from './redis-link.js';

export interface JobData {
  id: string;
}

export type BullJob = Job<JobData>;

/** The shortest period of any periodic check (stalled jobs, the sweep). */
export const MIN_CHECK_MS = 50;
const MAX_STALLED_CHECK_MS = 30_000;
/**
 * A BullMQ lock lasts this many leases: a late heartbeat still finds its lock, as a late heartbeat
 * still finds its SQL lease while nobody has claimed the job. Taking over a job whose lease ran
 * out does not wait for the lock: the sweep hands it back to waiting.
 */
export const LOCK_FACTOR = 2;

export function queueName(type: string, lane: string): string {
  return `quire-${type}-${lane}`;
}

/** How often a worker for this lease looks for stalled jobs: every leaseMs / 2, within bounds. */
export function stalledCheckMs(leaseMs: number): number {
  return Math.min(MAX_STALLED_CHECK_MS, Math.max(MIN_CHECK_MS, Math.floor(leaseMs / 2)));
}

/** A job due in `delayMs` (now when negative): one attempt, gone from Redis once settled. */
export function addOptions(id: string, delayMs: number): JobsOptions {
  return {
    jobId: id,
    delay: Math.max(0, Math.round(delayMs)),
    removeOnComplete: true,
    removeOnFail: true,
    attempts: 1,
  };
}

export class BullQueues {
  private readonly queues = new Map<string, Queue<JobData>>();
  private readonly workers = new Map<string, Worker<JobData>>();

  constructor(
    private readonly link: RedisLink,
    private readonly prefix: string,
    private readonly report: ReportError,
  ) {}

  queue(type: string, lane: string): Queue<JobData> {
    const name = queueName(type, lane);
    let queue = this.queues.get(name);
    if (queue === undefined) {
      queue = new Queue<JobData>(name, { connection: this.link.redis, prefix: this.prefix });
      queue.on('error', (error) => this.report(error, `queue ${name}`));
      this.queues.set(name, queue);
    }
    return queue;
  }

  /** One BullMQ worker per queue and lease (its lock duration), fetching only when asked. */
  worker(type: string, lane: string, leaseMs: number): Worker<JobData> {
    const name = queueName(type, lane);
    const key = `${name}@${leaseMs}`;
    let worker = this.workers.get(key);
    if (worker === undefined) {
      worker = new Worker<JobData>(name, null, {
        connection: this.link.redis,
        prefix: this.prefix,
        autorun: false,
        lockDuration: leaseMs * LOCK_FACTOR,
        stalledInterval: stalledCheckMs(leaseMs),
        // A job stalls when its worker died: it goes back to waiting however often that happens
        // (the SQL row counts attempts and decides when to give up).
        maxStalledCount: Number.MAX_SAFE_INTEGER,
      });
      const named = worker;
      named.on('error', (error) => this.report(error, `worker ${name}`));
      this.workers.set(key, named);
      named
        .startStalledCheckTimer()
        .catch((error: unknown) => this.report(error, `worker ${name}`));
    }
    return worker;
  }

  /** Adds the job, due in `delayMs` (a no-op when BullMQ has it already). */
  async add(type: string, lane: string, id: string, delayMs: number): Promise<void> {
    const adding = this.queue(type, lane).add(type, { id }, addOptions(id, delayMs));
    await this.link.call(adding, `adding job ${id}`);
  }

  /** Workers first (forced), then queues, each bounded by `settle`; forgets them all. */
  async close(
    settle: (promise: Promise<unknown>, what: string) => Promise<unknown>,
  ): Promise<void> {
    // Forced: no job runs inside these workers, and an unforced close can hang (bullmq#4163).
    await Promise.all(
      [...this.workers.values()].map((w) => settle(w.close(true), 'closing a worker')),
    );
    await Promise.all([...this.queues.values()].map((q) => settle(q.close(), 'closing a queue')));
    this.workers.clear();
    this.queues.clear();
  }
}
