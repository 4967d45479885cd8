/**
 * Settling with work that does not listen to an AbortSignal (cockatiel's retry delays), or as
 * soon as the signal aborts; what the work settles with later is cleaned up.
 */

/** Settles with `work`, or rejects as soon as `signal` aborts (what settles later is cleaned). */
export function raceAbort<T>(
  work: Promise<T>,
  signal: AbortSignal,
  onAbort: () => Error,
  cleanLate: (value: T) => void,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    const abort = (): void => {
      settled = true;
      reject(onAbort());
    };
    if (signal.aborted) abort();
    else signal.addEventListener('abort', abort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', abort);
        if (settled) cleanLate(value);
        else resolve(value);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', abort);
        if (!settled) reject(err instanceof Error ? err : new Error(String(err)));
      },
    );
  });
}
