/**
 * A private temporary file for a stateless conversion: the worker threads get a path, never
 * bytes. Written with a byte cap enforced while streaming; removed on release.
 */
import { createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { tempFileName } from '../fs-temp/temp-files.js';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { AppError } from '../../errors.js';
import type { ScratchWriter } from '../../ports/scratch-space.js';

const HEAD_BYTES = 64 * 1024;

export function scratchWriter(dir: string): ScratchWriter {
  return async (source, maxBytes, signal) => {
    await mkdir(dir, { recursive: true });
    const path = join(dir, tempFileName('convert'));
    const head: Buffer[] = [];
    let size = 0;
    let kept = 0;
    const meter = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        size += chunk.length;
        if (size > maxBytes) {
          callback(new AppError('PAYLOAD_TOO_LARGE', `The file is over ${maxBytes} bytes`));
          return;
        }
        if (kept < HEAD_BYTES) {
          const part = chunk.subarray(0, HEAD_BYTES - kept);
          head.push(Buffer.from(part));
          kept += part.length;
        }
        callback(null, chunk);
      },
    });
    try {
      await pipeline(
        source,
        meter,
        createWriteStream(path, { mode: 0o600 }),
        ...(signal === undefined ? [] : [{ signal }]),
      );
    } catch (error) {
      await rm(path, { force: true });
      throw error;
    }
    return { path, size, head: Buffer.concat(head), release: () => rm(path, { force: true }) };
  };
}
