/**
 * An e-mail's attachments through mailparser, streamed one at a time (as the e-mail processor
 * reads them, with the same bounds on parts and headers): each is handed over with its decoded
 * bytes as a stream and drained after, whatever its reader took, so parsing goes on.
 */
import type { MessageAttachments } from '../ports/message-attachments.js';
import { Failure } from '../ports/failures.js';
import { parseMailFile } from './mail-parser.js';

/**
 * The attachment's bytes as its reader sees them: a reader that stops early (an upload over its
 * limit) does not end the parser's stream, which `drain` then reads to its end.
 */
function shielded(iterator: AsyncIterator<Uint8Array>): AsyncIterable<Uint8Array> {
  return {
    [Symbol.asyncIterator]: () => ({
      next: () => iterator.next(),
      return: () => Promise.resolve({ done: true, value: undefined }),
    }),
  };
}

async function drain(iterator: AsyncIterator<Uint8Array>): Promise<void> {
  while (!(await iterator.next()).done) {
    // Skipped: only read so the parser moves on.
  }
}

/** A reader's own error, passed through rather than taken for a broken message. */
class ReaderError extends Error {
  constructor(readonly error: unknown) {
    super('attachment reader failed');
  }
}

export function createMessageAttachments(): MessageAttachments {
  return {
    async forEach(path, max, each) {
      const { parser, parts, input } = await parseMailFile(path);
      let count = 0;
      try {
        input.pipe(parser);
        for await (const data of parts) {
          if (data.type !== 'attachment') continue;
          const iterator = (data.content as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]();
          try {
            if (count < max) {
              await each({
                filename: data.filename ?? null,
                mediaType: data.contentType,
                content: shielded(iterator),
              }).catch((error: unknown) => {
                throw new ReaderError(error);
              });
            }
          } finally {
            await drain(iterator);
            data.release?.();
          }
          count++;
        }
      } catch (error) {
        input.destroy();
        if (error instanceof ReaderError) throw error.error;
        if (error instanceof Failure) throw error;
        const reason = error instanceof Error ? error.message : String(error);
        throw new Failure('DOCUMENT_CORRUPT', `The e-mail could not be read: ${reason}`);
      }
      return count;
    },
  };
}
