/**
 * The server side of a benchmark, inside its child process: prints the server's URL as the first
 * stdout line, and exits on SIGTERM/SIGINT, when its stdin closes (the parent went away), or past
 * a maximum lifetime, so it can never outlive the benchmark for long.
 */

export const HOST = '127.0.0.1';
const CLOSE_TIMEOUT_MS = 5_000;
const MAX_LIFETIME_MS = ((): number => {
  const value = Number(process.env.BENCH_TARGET_MAX_LIFETIME_MS);
  return Number.isFinite(value) && value > 0 ? value : 30 * 60 * 1000;
})();

export interface RunningTarget {
  url: string;
  close(): Promise<void>;
}

/** Prints the URL, then serves until told to stop (`name` prefixes messages on stderr). */
export function serveUntilStopped(name: string, target: RunningTarget): void {
  let closing = false;
  const stop = (reason: string): void => {
    if (closing) return;
    closing = true;
    const deadline = setTimeout(() => {
      console.error(`${name}: close timed out after ${reason}; exiting`);
      process.exit(1);
    }, CLOSE_TIMEOUT_MS);
    deadline.unref();
    target.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(`${name}: close failed`, error);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  process.stdin.on('end', () => stop('stdin closed'));
  process.stdin.on('error', () => stop('stdin error'));
  process.stdin.resume();
  setTimeout(() => stop('maximum lifetime'), MAX_LIFETIME_MS).unref();

  process.stdout.write(`${target.url}\n`);
}
