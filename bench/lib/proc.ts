/**
 * What a process uses, read from /proc (Linux; undefined elsewhere): CPU time, and resident
 * memory sampled over an interval.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** Clock ticks per second for /proc/<pid>/stat (almost always 100 on Linux). */
export const CLOCK_TICKS_PER_SECOND = ((): number => {
  try {
    const value = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
    return Number.isInteger(value) && value > 0 ? value : 100;
  } catch {
    return 100;
  }
})();

/**
 * CPU time (ms) a process has used, all its threads (libuv's pool included), from /proc/<pid>/stat
 * (Linux; undefined elsewhere). Resolution is one clock tick (10 ms), fine over a run of seconds.
 */
export function processCpuMs(pid: number | undefined): number | undefined {
  return pid === undefined ? undefined : cpuMsOf(`/proc/${pid}/stat`);
}

/**
 * CPU time (ms) of a process's main thread alone (the event loop's, for Node), from
 * /proc/<pid>/task/<pid>/stat; undefined where unreadable.
 */
export function mainThreadCpuMs(pid: number | undefined): number | undefined {
  return pid === undefined ? undefined : cpuMsOf(`/proc/${pid}/task/${pid}/stat`);
}

function cpuMsOf(statFile: string): number | undefined {
  try {
    const stat = readFileSync(statFile, 'utf8');
    // Fields after "(comm) ": state is field 3, so utime (14) and stime (15) are at 11 and 12.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return Number.isFinite(ticks) ? (ticks * 1000) / CLOCK_TICKS_PER_SECOND : undefined;
  } catch {
    return undefined;
  }
}

/**
 * CPU time (ms) the whole machine has spent busy (every CPU, all but idle and iowait), from the
 * first line of /proc/stat; undefined where that is not readable. Over an interval, its change
 * divided by the wall time is how many cores were busy, whoever used them.
 */
export function machineBusyCpuMs(): number | undefined {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0] ?? '';
    const ticks = line.trim().split(/\s+/).slice(1).map(Number);
    if (ticks.length < 5 || ticks.some((value) => !Number.isFinite(value))) return undefined;
    // user nice system idle iowait irq softirq steal (guest time is inside user already).
    const busy = ticks
      .slice(0, 8)
      .reduce((sum, value, index) => (index === 3 || index === 4 ? sum : sum + value), 0);
    return (busy * 1000) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}

/** A process's resident set (VmRSS in /proc/<pid>/status), in bytes; undefined if unreadable. */
export function processRssBytes(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status);
    return match === null ? undefined : Number(match[1]) * 1024;
  } catch {
    return undefined;
  }
}

export interface RssSummary {
  samples: number;
  /** The lowest and highest VmRSS seen, in bytes (undefined without any sample). */
  minBytes: number | undefined;
  peakBytes: number | undefined;
  /** The last sample, in bytes. */
  lastBytes: number | undefined;
  /** The longest gap between two samples, in ms: how far the interval was kept. */
  maxGapMs: number;
}

/**
 * Samples a process's VmRSS every `intervalMs` (a timer on this event loop) until stopped. The
 * first sample is taken at once.
 */
export class RssSampler {
  #timer: NodeJS.Timeout | undefined;
  #samples = 0;
  #min: number | undefined;
  #peak: number | undefined;
  #last: number | undefined;
  #lastAt = 0;
  #maxGapMs = 0;

  constructor(
    private readonly pid: number | undefined,
    private readonly intervalMs = 50,
  ) {}

  start(): this {
    this.#sample();
    this.#timer = setInterval(() => this.#sample(), this.intervalMs);
    return this;
  }

  stop(): RssSummary {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    this.#sample();
    return {
      samples: this.#samples,
      minBytes: this.#min,
      peakBytes: this.#peak,
      lastBytes: this.#last,
      maxGapMs: Math.round(this.#maxGapMs),
    };
  }

  #sample(): void {
    const now = performance.now();
    if (this.#samples > 0) this.#maxGapMs = Math.max(this.#maxGapMs, now - this.#lastAt);
    this.#lastAt = now;
    const rss = processRssBytes(this.pid);
    if (rss === undefined) return;
    this.#samples += 1;
    this.#last = rss;
    this.#min = this.#min === undefined ? rss : Math.min(this.#min, rss);
    this.#peak = this.#peak === undefined ? rss : Math.max(this.#peak, rss);
  }
}
