/**
 * The ScratchWriter contract: a private file with the source's bytes and its head, the byte cap
 * enforced while streaming (413, and nothing left behind), an abort leaves nothing behind, and
 * release removes the file (twice is fine).
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { describe, it } from 'node:test';
import { Readable } from 'node:stream';
import { AppError } from '../../src/errors.js';
import type { ScratchWriter } from '../../src/ports/scratch-space.js';

export interface ScratchWriterFactory {
  name: string;
  /** A writer, and the directory its files go to (to check nothing is left behind). */
  create(): { write: ScratchWriter; dir: string };
}

export function scratchSpaceContract(factory: ScratchWriterFactory): void {
  describe(`ScratchWriter contract: ${factory.name}`, { timeout: 20_000 }, () => {
    const leftovers = (dir: string): string[] => (existsSync(dir) ? readdirSync(dir) : []);

    it('writes the bytes to a private file, with their head, and release removes it', async () => {
      const { write, dir } = factory.create();
      const bytes = Buffer.alloc(200 * 1024, 7);
      const file = await write(Readable.from([bytes.subarray(0, 1000), bytes.subarray(1000)]), 1e6);
      assert.equal(file.size, bytes.length);
      assert.deepEqual(readFileSync(file.path), bytes);
      assert.ok(file.head.length > 0 && file.head.length <= bytes.length);
      assert.deepEqual(Buffer.from(file.head), bytes.subarray(0, file.head.length));
      assert.equal(statSync(file.path).mode & 0o077, 0, 'readable by the owner only');
      await file.release();
      await file.release();
      assert.equal(existsSync(file.path), false);
      assert.deepEqual(leftovers(dir), []);
    });

    it('stops at the byte cap with 413 and leaves nothing behind', async () => {
      const { write, dir } = factory.create();
      await assert.rejects(
        write(Readable.from([Buffer.alloc(600), Buffer.alloc(600)]), 1000),
        (error: unknown) => error instanceof AppError && error.code === 'PAYLOAD_TOO_LARGE',
      );
      assert.deepEqual(leftovers(dir), []);
    });

    it('leaves nothing behind when aborted mid-way', async () => {
      const { write, dir } = factory.create();
      const controller = new AbortController();
      async function* slow(): AsyncGenerator<Buffer> {
        yield Buffer.alloc(100);
        controller.abort();
        await new Promise((resolve) => setTimeout(resolve, 50));
        yield Buffer.alloc(100);
      }
      await assert.rejects(write(slow(), 1e6, controller.signal));
      assert.deepEqual(leftovers(dir), []);
    });
  });
}
