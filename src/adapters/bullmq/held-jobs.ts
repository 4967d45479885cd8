/**
 * The BullMQ jobs this process holds, by owner and job id: the lock token that proves each in
 * Redis, and when its lease runs out unless extended.
 */
import type { LockedJob } from './record-mirror.js';

/** A job whose runner went away without a word is forgotten this long after its lease ran out. */
const FORGET_AFTER_MS = 60_000;

export interface Held extends LockedJob {
  /** When the lease runs out unless extended (entries long past it are dropped). */
  until: number;
}

export class HeldJobs {
  private readonly held = new Map<string, Held>();

  private static key(owner: string, jobId: string): string {
    return `${owner}\n${jobId}`;
  }

  hold(owner: string, jobId: string, held: Held): void {
    this.held.set(HeldJobs.key(owner, jobId), held);
  }

  get(owner: string, jobId: string): Held | undefined {
    return this.held.get(HeldJobs.key(owner, jobId));
  }

  /** The job, no longer held; undefined when it was not. */
  take(owner: string, jobId: string): Held | undefined {
    const key = HeldJobs.key(owner, jobId);
    const held = this.held.get(key);
    if (held !== undefined) this.held.delete(key);
    return held;
  }

  /** Drops the jobs whose lock ran out long before `at` (their runner went away without a word). */
  forgetStale(at: number): void {
    for (const [key, held] of this.held)
      if (held.until + FORGET_AFTER_MS < at) this.held.delete(key);
  }

  clear(): void {
    this.held.clear();
  }
}
