/**
 * Where the process logger's JSON lines go when no destination is given: a file descriptor
 * (stdout) or a path, written asynchronously by sonic-boom (pino's own writer), with the lines
 * of one event-loop turn handed to it as one string.
 *
 * Why not each line on its own: while sonic-boom has a write in flight it appends every new line
 * to the string it will write next and measures that whole string's UTF-8 length again (which
 * flattens it, a copy). Under load, when many requests are answered in one turn, that cost grows
 * with the number of lines waiting — ~3 µs a line and most of a request's garbage at 50
 * concurrent requests (docs/adr/0004-request-path-costs.md). Joining a turn's lines once keeps it
 * one append per turn. Lines still waiting when the process exits are written synchronously
 * first, so a `process.exit` right after a log call loses nothing.
 */
import { isMainThread } from 'node:worker_threads';
import { pino, type DestinationStream } from 'pino';

export interface LineDestination extends DestinationStream {
  /** Hands the waiting lines to the writer, then calls back once they are written. */
  flush(callback?: (error?: Error) => void): void;
  /** Writes every waiting line before returning. */
  flushSync(): void;
}

export function batchedLineDestination(dest: number | string): LineDestination {
  const writer = pino.destination({ dest, sync: false, minLength: 0 });
  // A descriptor is usable at once; a path is opened asynchronously.
  let open = typeof dest === 'number';
  writer.once('ready', () => {
    open = true;
  });
  let waiting: string[] = [];
  let scheduled = false;

  const handOver = (): void => {
    scheduled = false;
    if (waiting.length === 0) return;
    const chunk = waiting.length === 1 ? (waiting[0] as string) : waiting.join('');
    waiting = [];
    writer.write(chunk);
  };

  const destination: LineDestination = {
    write(line: string): boolean {
      waiting.push(line);
      if (!scheduled) {
        scheduled = true;
        setImmediate(handOver);
      }
      return true;
    },
    flush(callback) {
      handOver();
      writer.flush(callback);
    },
    flushSync() {
      handOver();
      if (open) writer.flushSync();
    },
  };

  // Workers' lines are flushed by their own exit path; the main thread's must not be lost to
  // process.exit (pino's own exit flush, registered with the writer, has run by then).
  if (isMainThread) process.once('exit', () => destination.flushSync());
  return destination;
}
