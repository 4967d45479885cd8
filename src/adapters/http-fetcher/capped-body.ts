/**
 * The response body handed to callers: at most `maxBytes` bytes. The chunk that would pass the
 * cap is not delivered; the stream errors with AppError PAYLOAD_TOO_LARGE at once and the
 * source (undici's body) is destroyed, which aborts the request and closes its socket instead
 * of reading the rest. Errors of the source (reset, deadline) are mapped by `mapError`.
 * Destroying the returned stream early also destroys the source.
 */
import { Transform, type Readable } from 'node:stream';
import { AppError } from '../../errors.js';
import { FetchError } from '../../ports/fetcher.js';

export function capBody(
  source: Readable,
  maxBytes: number,
  url: string,
  mapError: (err: unknown) => Error,
): Readable {
  let seen = 0;
  const capped = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      seen += chunk.length;
      if (seen > maxBytes) {
        const cause = new FetchError('too_large', `${url}: body passed ${maxBytes} bytes`, false);
        callback(
          new AppError('PAYLOAD_TOO_LARGE', `The fetched body is larger than ${maxBytes} bytes.`, {
            cause,
          }),
        );
        return;
      }
      callback(null, chunk);
    },
  });
  source.on('error', (err) => capped.destroy(mapError(err)));
  capped.on('close', () => {
    if (!source.readableEnded && !source.destroyed) source.destroy();
  });
  source.pipe(capped);
  return capped;
}
