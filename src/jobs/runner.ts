/**
 * Runs jobs of some types from the queue, `concurrency` at a time: reserve under a lease, keep it
 * alive with heartbeats (a lost lease — the job was cancelled or taken over — aborts the run),
 * settle it. A failure that another attempt can fix is retried later with jittered exponential
 * backoff; the rest fail the job at once with its code. On stop, unfinished jobs are handed back to
 * the queue, never marked failed.
 *
 * Lanes: large jobs never take the last free slot, so a small document never waits behind them.
 */
import type { JobFailure } from '../ports/failures.js';
import type { JobQueue } from '../ports/job-queue.js';
import { jobFailureOf } from './failures.js';
import type { JobLane, JobProgress, JobRecord, JobType } from '../ports/job-store.js';
import { nominalRetryDelay } from '../domain/retry-schedule.js';
import { systemClock, type Clock } from '../ports/clock.js';
import { TRACE_CONTEXT_FIELD } from '../domain/job-trace.js';
import { contextFromCarrier, inSpan, SpanKind, type Span } from '../shared/spans.js';

export interface JobContext {
  /** Aborted when the lease is lost (cancel, takeover) or the runner stops. */
  signal: AbortSignal;
  owner: string;
  /** Records progress (throttled by the caller; failures to record are ignored). */
  progress(progress: JobProgress): void;
}

export interface JobHandler {
  readonly types: JobType[];
  run(job: JobRecord, context: JobContext): Promise<void>;
  /** The failure recorded for an error nobody classified (see jobs/failures.ts). */
  readonly unexpected: JobFailure;
  /** The job failed for good (failed or dead): settle what it was for. */
  onFinalFailure?(job: JobRecord, failure: JobFailure): Promise<void>;
  /** The job was handed back unfinished (shutdown): what it was for waits again. */
  onRequeued?(job: JobRecord): Promise<void>;
}

export type JobOutcome = 'succeeded' | 'retried' | 'failed' | 'dead' | 'lost' | 'requeued';

export interface JobRunnerOptions {
  queue: JobQueue;
  handler: JobHandler;
  /** Who holds leases (unique per process). */
  owner: string;
  concurrency: number;
  leaseMs: number;
  pollMs: number;
  /** First retry delay, doubled each attempt (jittered), capped at `maxRetryDelayMs`. */
  retryBaseMs: number;
  /** Longest retry delay before jitter; default 15 minutes. */
  maxRetryDelayMs?: number;
  /**
   * Share of each delay that is random: the delay is drawn from [d × (1 − jitter), d]; default
   * 0.5. A smaller share keeps a long schedule (webhooks' 24 h) close to its nominal length.
   */
  retryJitter?: number;
  /** An attempt begins: `job` as claimed (its `attempts` counts this one). */
  onStarted?: (job: JobRecord) => void;
  onSettled?: (
    job: JobRecord,
    outcome: JobOutcome,
    durationMs: number,
    failure: JobFailure | null,
  ) => void;
  onError?: (error: unknown, job: JobRecord) => void;
  /** Default: the system clock. */
  clock?: Clock;
}

const MAX_RETRY_DELAY_MS = 15 * 60_000;

/** A cancelled job stops within this (the API promises 2 s). */
const MAX_HEARTBEAT_MS = 1_000;

/**
 * How often a running job's lease is renewed: at least four times a lease, so three heartbeats in
 * a row can be lost (or the event loop stall for the lease less one interval: 7 s of the default
 * 8 s) before another worker may take the job over; at least every second, for cancellation.
 */
export function heartbeatIntervalMs(leaseMs: number): number {
  return Math.min(leaseMs / 4, MAX_HEARTBEAT_MS);
}

/** The job is no longer this worker's (cancelled, deleted, or taken over): write nothing more. */
export class LeaseLost extends Error {
  constructor(jobId: string) {
    super(`the lease on job ${jobId} was lost (cancelled or taken over)`);
    this.name = 'LeaseLost';
  }
}

class Stopping extends Error {
  constructor() {
    super('the worker is stopping');
    this.name = 'Stopping';
  }
}

export class JobRunner {
  private readonly clock: Clock;
  private readonly running = new Map<
    string,
    { controller: AbortController; lane: JobLane; done: Promise<void> }
  >();
  private timer: NodeJS.Timeout | undefined;
  private filling: Promise<void> | undefined;
  /** Jobs were enqueued in this process while a fill was looking: look again when it ends. */
  private enqueuedWhileFilling = false;
  private unsubscribe: (() => void) | undefined;
  private stopping = false;

  constructor(private readonly options: JobRunnerOptions) {
    this.clock = options.clock ?? systemClock;
  }

  start(): void {
    this.unsubscribe = this.options.queue.onEnqueued(() => this.enqueued());
    this.schedule(0);
  }

  /** Jobs were enqueued in this process: a free slot takes them now, not at the next poll. */
  private enqueued(): void {
    if (this.stopping || this.running.size >= this.options.concurrency) return;
    if (this.filling !== undefined) this.enqueuedWhileFilling = true;
    else this.schedule(0);
  }

  /** Stops taking jobs; aborts those running and hands them back to the queue. Idempotent. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.unsubscribe?.();
    clearTimeout(this.timer);
    await this.filling;
    for (const { controller } of this.running.values()) controller.abort(new Stopping());
    await Promise.all([...this.running.values()].map(({ done }) => done));
  }

  private schedule(delayMs: number): void {
    if (this.stopping) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.filling ??= this.fill().finally(() => {
        this.filling = undefined;
      });
    }, delayMs);
    this.timer.unref();
  }

  /** Lanes a free slot may take: large jobs leave the last slot to small ones. */
  private lanesForFreeSlot(): JobLane[] {
    const large = [...this.running.values()].filter(({ lane }) => lane === 'large').length;
    const largeSlots = Math.max(1, this.options.concurrency - 1);
    return large < largeSlots ? ['small', 'large'] : ['small'];
  }

  private async fill(): Promise<void> {
    const { queue, handler, owner, leaseMs } = this.options;
    let idle = false;
    this.enqueuedWhileFilling = false;
    try {
      while (!this.stopping && this.running.size < this.options.concurrency) {
        const asked = this.clock.now(); // the lease runs from no earlier than this
        const job = await queue.reserve(handler.types, owner, leaseMs, {
          lanes: this.lanesForFreeSlot(),
        });
        if (job === null) {
          idle = true;
          break;
        }
        if (this.stopping) {
          await queue.requeue(job.id, owner);
          break;
        }
        this.launch(job, asked + leaseMs);
      }
    } catch {
      idle = true; // the queue is unreachable: try again at the next poll
    } finally {
      if (!idle && this.running.size < this.options.concurrency) this.schedule(0);
      else if (idle) this.schedule(this.enqueuedWhileFilling ? 0 : this.options.pollMs);
    }
  }

  private launch(job: JobRecord, leaseRunsOut: number): void {
    const controller = new AbortController();
    // The attempt (run and settling, and every log line written meanwhile) is one span in the
    // trace of the request that queued the job.
    const attempt = inSpan(
      `job ${job.type}`,
      {
        kind: SpanKind.CONSUMER,
        parent: contextFromCarrier(job.payload[TRACE_CONTEXT_FIELD]),
        attributes: {
          'messaging.operation.type': 'process',
          'quire.job.id': job.id,
          'quire.job.type': job.type,
          'quire.job.attempt': job.attempts,
          'quire.tenant_id': job.tenant_id,
          ...(job.document_id === null ? {} : { 'quire.document.id': job.document_id }),
        },
      },
      (span) => this.execute(job, controller, leaseRunsOut, span),
    );
    const done = attempt.finally(() => {
      this.running.delete(job.id);
      this.schedule(0); // a slot is free
    });
    this.running.set(job.id, { controller, lane: job.lane, done });
  }

  private async execute(
    job: JobRecord,
    controller: AbortController,
    leaseRunsOut: number,
    span: Span,
  ): Promise<void> {
    const { queue, handler, owner, leaseMs } = this.options;
    const started = this.clock.now();
    this.options.onStarted?.(job);
    const settled = (outcome: JobOutcome, failure: JobFailure | null = null): void => {
      span.setAttribute('quire.job.outcome', outcome);
      if (failure !== null) span.setAttribute('quire.job.failure_code', failure.code);
      this.options.onSettled?.(job, outcome, this.clock.now() - started, failure);
    };
    // When the lease runs out by this process's clock, counted from before the last renewal
    // that succeeded: past it another worker may hold the job, so this one lets go of it
    // (its late writes would fail anyway: every settling write is conditional on the lease).
    let heldUntil = leaseRunsOut;
    const heartbeat = setInterval(() => {
      const sent = this.clock.now();
      if (sent >= heldUntil) {
        controller.abort(new LeaseLost(job.id)); // renewals failed, or the event loop stalled
        return;
      }
      void queue.heartbeat(job.id, owner, leaseMs).then(
        (held) => {
          if (held) heldUntil = Math.max(heldUntil, sent + leaseMs);
          else controller.abort(new LeaseLost(job.id));
        },
        () => undefined, // unreachable: tried again at the next beat, until heldUntil
      );
    }, heartbeatIntervalMs(leaseMs));
    heartbeat.unref();
    try {
      await handler.run(job, {
        signal: controller.signal,
        owner,
        progress: (progress) => {
          void queue.progress(job.id, owner, progress).then(
            (held) => held || controller.abort(new LeaseLost(job.id)),
            () => undefined,
          );
        },
      });
      settled('succeeded');
    } catch (error) {
      const reason: unknown = controller.signal.aborted ? controller.signal.reason : error;
      try {
        if (reason instanceof Stopping) {
          await queue.requeue(job.id, owner);
          await handler.onRequeued?.(job);
          settled('requeued');
        } else if (reason instanceof LeaseLost || error instanceof LeaseLost) {
          settled('lost'); // cancelled or taken over: its new state is someone else's to write
        } else {
          const failure = jobFailureOf(error, handler.unexpected);
          settled(await this.fail(job, failure), failure);
        }
      } catch (settleError) {
        this.options.onError?.(settleError, job);
      }
    } finally {
      clearInterval(heartbeat);
    }
  }

  private async fail(job: JobRecord, failure: JobFailure): Promise<JobOutcome> {
    const { queue, handler, owner, retryBaseMs } = this.options;
    const final = !failure.retryable || job.attempts >= job.max_attempts;
    const delay = nominalRetryDelay(
      retryBaseMs,
      job.attempts,
      this.options.maxRetryDelayMs ?? MAX_RETRY_DELAY_MS,
    );
    const jitter = this.options.retryJitter ?? 0.5;
    const retryAt = final
      ? null
      : new Date(
          this.clock.now() + delay * (1 - jitter) + Math.random() * delay * jitter,
        ).toISOString();
    await queue.fail(job.id, owner, failure, retryAt);
    if (!final) return 'retried';
    await handler.onFinalFailure?.(job, failure);
    return failure.retryable ? 'dead' : 'failed';
  }
}
