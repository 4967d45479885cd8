/** The BlobStore contract, for every adapter. */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { after, afterEach, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { DEFAULT_CHUNK_SIZE } from '../../src/adapters/blob-format/chunked-encryption.js';
import { AppError } from '../../src/errors.js';
import type { BlobStore, ByteRange } from '../../src/ports/blob-store.js';

export interface BlobStoreFactory {
  name: string;
  create(): Promise<BlobStore>;
  /** Plaintext bytes per chunk if the adapter stores in chunks: sizes around it are tested. */
  chunkSize?: number;
  /** What the adapter has left in its staging area (for fs: the files in tmp/). */
  stagingLeftovers(store: BlobStore): Promise<string[]>;
  /** How many blobs the adapter holds. */
  blobCount(store: BlobStore): Promise<number>;
}

const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
const MB = 1024 * 1024;

export const sha256Of = (bytes: Uint8Array): string =>
  createHash('sha256').update(bytes).digest('hex');

/** A byte stream of `bytes` in pieces of an odd size, so pieces never line up with chunks. */
export function sourceOf(bytes: Buffer, piece = 7919): Readable {
  function* pieces(): Generator<Buffer> {
    for (let offset = 0; offset < bytes.length; offset += piece)
      yield bytes.subarray(offset, offset + piece);
  }
  return Readable.from(pieces(), { objectMode: false });
}

export async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** An endless source that counts what it handed out, pushing a piece every `delayMs`. */
function endlessSource(delayMs = 0): { stream: Readable; produced: () => number } {
  let produced = 0;
  const piece = randomBytes(16 * 1024);
  const stream = new Readable({
    read() {
      const push = (): void => {
        produced += piece.length;
        this.push(piece);
      };
      if (delayMs === 0) push();
      else setTimeout(push, delayMs);
    },
  });
  return { stream, produced: () => produced };
}

const isAppError =
  (code: string, detail?: RegExp) =>
  (error: unknown): boolean => {
    assert.ok(error instanceof AppError, `expected AppError ${code}, got ${String(error)}`);
    assert.equal(error.code, code);
    if (detail !== undefined) assert.match(error.detail, detail);
    return true;
  };

const isAbort = (error: unknown): boolean => {
  assert.equal((error as Error).name, 'AbortError', `expected an AbortError, got ${String(error)}`);
  return true;
};

export function blobStoreContract(factory: BlobStoreFactory): void {
  describe(`BlobStore contract: ${factory.name}`, () => {
    const chunk = factory.chunkSize ?? DEFAULT_CHUNK_SIZE;
    let store: BlobStore;

    async function put(bytes: Buffer): Promise<string> {
      const staged = await store.stage(sourceOf(bytes), { maxBytes: bytes.length });
      await store.commit(staged);
      return staged.sha256;
    }

    async function read(sha256: string, range?: ByteRange): Promise<Buffer> {
      return readAll(await store.open(sha256, range));
    }

    async function assertNoLeftovers(): Promise<void> {
      assert.deepEqual(await factory.stagingLeftovers(store), [], 'staging area is not empty');
    }

    before(async () => {
      store = await factory.create();
    });
    afterEach(assertNoLeftovers);

    describe('round trips', () => {
      const sizes = [0, 1, chunk - 1, chunk, chunk + 1, 2 * chunk, 3 * chunk + 7, 5 * MB + 3];
      for (const size of sizes) {
        it(`stores and reads back ${size} bytes`, async () => {
          const bytes = randomBytes(size);
          // maxBytes equal to the size is allowed: the limit is inclusive.
          const staged = await store.stage(sourceOf(bytes), { maxBytes: size });
          assert.equal(staged.sha256, sha256Of(bytes));
          assert.equal(staged.size, size);
          assert.equal(await store.size(staged.sha256), null, 'visible before commit');
          await store.commit(staged);
          assert.equal(await store.size(staged.sha256), size);
          assert.ok((await read(staged.sha256)).equals(bytes), 'plaintext differs');
        });
      }

      it('hashes zero bytes to the SHA-256 of the empty string', async () => {
        const staged = await store.stage(sourceOf(Buffer.alloc(0)), { maxBytes: 0 });
        assert.equal(staged.sha256, EMPTY_SHA256);
        assert.equal(staged.size, 0);
        await store.commit(staged);
        assert.equal((await read(EMPTY_SHA256)).length, 0);
      });

      it('accepts an async iterable of Uint8Array', async () => {
        const bytes = randomBytes(3 * chunk + 11);
        async function* pieces(): AsyncGenerator<Uint8Array> {
          for (let offset = 0; offset < bytes.length; offset += 1000) {
            await sleep(0);
            yield new Uint8Array(bytes.subarray(offset, offset + 1000));
          }
        }
        const staged = await store.stage(pieces(), { maxBytes: bytes.length });
        assert.equal(staged.sha256, sha256Of(bytes));
        await store.commit(staged);
        assert.ok((await read(staged.sha256)).equals(bytes));
      });
    });

    describe('materialize', () => {
      it('gives a plaintext file of the blob, and release leaves no copy behind', async () => {
        // Starts with bytes that look like the store's own framing, to exercise escaping.
        const bytes = Buffer.concat([
          Buffer.from('QBLOB1\n', 'latin1'),
          randomBytes(3 * chunk + 11),
        ]);
        const sha256 = await put(bytes);
        const file = await store.materialize(sha256);
        assert.deepEqual(await readFile(file.path), bytes);
        await file.release();
        await file.release();
        assert.deepEqual(await read(sha256), bytes, 'the blob itself is still there');
      });

      it('answers NOT_FOUND for a blob that is not there', async () => {
        await assert.rejects(store.materialize('0'.repeat(64)), isAppError('NOT_FOUND'));
      });
    });

    describe('ranges', () => {
      const bytes = randomBytes(5 * MB + 123);
      const last = bytes.length - 1;
      let sha = '';
      before(async () => {
        sha = await put(bytes);
      });

      const ranges: [string, ByteRange][] = [
        ['the first byte', { start: 0, end: 0 }],
        ['the last byte', { start: last, end: last }],
        ['the whole blob', { start: 0, end: last }],
        ['a few bytes inside the first chunk', { start: 10, end: 20 }],
        ['the two bytes around a chunk boundary', { start: chunk - 1, end: chunk }],
        ['exactly the second chunk', { start: chunk, end: 2 * chunk - 1 }],
        ['several chunks, starting and ending mid-chunk', { start: chunk - 5, end: 3 * chunk + 5 }],
        ['the tail across the last boundary', { start: last - chunk - 3, end: last }],
        ['the middle of the blob', { start: 2 * MB + 17, end: 3 * MB + 99 }],
      ];
      for (const [label, range] of ranges) {
        it(`reads ${label}`, async () => {
          const got = await read(sha, range);
          assert.equal(got.length, range.end - range.start + 1);
          assert.ok(got.equals(bytes.subarray(range.start, range.end + 1)), 'range differs');
        });
      }

      it('reads a one-byte blob as a range', async () => {
        const one = randomBytes(1);
        assert.ok((await read(await put(one), { start: 0, end: 0 })).equals(one));
      });

      it('rejects a range that is not inside the blob', async () => {
        const bad: ByteRange[] = [
          { start: bytes.length, end: bytes.length },
          { start: 0, end: bytes.length },
          { start: 5, end: 4 },
          { start: -1, end: 3 },
          { start: 0.5, end: 3 },
        ];
        for (const range of bad)
          await assert.rejects(store.open(sha, range), RangeError, JSON.stringify(range));
        await assert.rejects(store.open(EMPTY_SHA256, { start: 0, end: 0 }), RangeError);
      });
    });

    describe('idempotence', () => {
      it('gives the same content the same hash and keeps one blob', async () => {
        const bytes = randomBytes(2 * chunk + 5);
        const before = await factory.blobCount(store);
        const first = await store.stage(sourceOf(bytes), { maxBytes: bytes.length });
        const second = await store.stage(sourceOf(bytes, 333), { maxBytes: bytes.length });
        assert.equal(first.sha256, second.sha256);
        // Commits of one staged blob, concurrent or repeated, are one commit.
        await Promise.all([store.commit(first), store.commit(first), first.discard()]);
        await store.commit(first);
        await store.commit(second); // the blob exists: the staged copy is just dropped
        await first.discard(); // no-op after commit
        await second.discard();
        assert.equal(await factory.blobCount(store), before + 1);
        assert.ok((await read(first.sha256)).equals(bytes));
      });

      it('discards a staged blob, which then never appears', async () => {
        const bytes = randomBytes(chunk + 1);
        const staged = await store.stage(sourceOf(bytes), { maxBytes: bytes.length });
        assert.equal((await factory.stagingLeftovers(store)).length, 1);
        await staged.discard();
        await staged.discard();
        await assertNoLeftovers();
        await assert.rejects(store.commit(staged));
        assert.equal(await store.size(staged.sha256), null);
      });

      it('keeps one blob when five identical streams are staged and committed at once', async () => {
        const bytes = randomBytes(300_000);
        const before = await factory.blobCount(store);
        const staged = await Promise.all(
          [101, 999, 4096, 7919, 65_536].map((piece) =>
            store.stage(sourceOf(bytes, piece), { maxBytes: bytes.length }),
          ),
        );
        assert.deepEqual(new Set(staged.map((blob) => blob.sha256)), new Set([sha256Of(bytes)]));
        await Promise.all(staged.map((blob) => store.commit(blob)));
        assert.equal(await factory.blobCount(store), before + 1);
        assert.ok((await read(sha256Of(bytes))).equals(bytes));
      });
    });

    describe('failed staging leaves nothing behind', () => {
      it('stops at maxBytes with PAYLOAD_TOO_LARGE naming the limit', async () => {
        const bytes = randomBytes(100_000);
        const source = sourceOf(bytes);
        await assert.rejects(
          store.stage(source, { maxBytes: 50_000 }),
          isAppError('PAYLOAD_TOO_LARGE', /50000/),
        );
        assert.ok(source.destroyed, 'the source was not destroyed');
        await assertNoLeftovers();
      });

      it('stops reading an endless source once past maxBytes', { timeout: 10_000 }, async () => {
        const { stream, produced } = endlessSource();
        await assert.rejects(
          store.stage(stream, { maxBytes: MB }),
          isAppError('PAYLOAD_TOO_LARGE', new RegExp(String(MB))),
        );
        const readAfterLimit = produced();
        await sleep(50);
        assert.equal(produced(), readAfterLimit, 'the source is still being read');
        assert.ok(readAfterLimit < 2 * MB, `read ${readAfterLimit} bytes for a 1 MB limit`);
        assert.ok(stream.destroyed);
        await assertNoLeftovers();
      });

      it('refuses a single byte over a zero limit', async () => {
        await assert.rejects(
          store.stage(sourceOf(randomBytes(1)), { maxBytes: 0 }),
          isAppError('PAYLOAD_TOO_LARGE'),
        );
        await assertNoLeftovers();
      });

      it('rethrows the error of an async iterable source that fails mid-way', async () => {
        const boom = new Error('client went away');
        async function* failing(): AsyncGenerator<Uint8Array> {
          for (let i = 0; i < 5; i++) yield randomBytes(chunk);
          throw boom;
        }
        await assert.rejects(store.stage(failing(), { maxBytes: 10 * MB }), (error) => {
          assert.equal(error, boom);
          return true;
        });
        await assertNoLeftovers();
      });

      it('rethrows the error of a Readable source destroyed mid-way', async () => {
        const boom = new Error('aborted upload');
        let pushed = 0;
        const source = new Readable({
          read() {
            if (pushed++ < 5) this.push(randomBytes(chunk + 3));
            else setImmediate(() => this.destroy(boom));
          },
        });
        await assert.rejects(store.stage(source, { maxBytes: 10 * MB }), (error) => {
          assert.equal(error, boom);
          return true;
        });
        await assertNoLeftovers();
      });

      it('rejects when the signal aborts mid-way', { timeout: 10_000 }, async () => {
        const { stream } = endlessSource(2);
        const controller = new AbortController();
        setTimeout(() => controller.abort(), 50);
        await assert.rejects(
          store.stage(stream, { maxBytes: 100 * MB, signal: controller.signal }),
          isAbort,
        );
        assert.ok(stream.destroyed);
        await assertNoLeftovers();
      });

      it('destroys the source when the signal aborts while staging starts', async () => {
        const { stream } = endlessSource(2);
        const controller = new AbortController();
        setImmediate(() => controller.abort());
        await assert.rejects(
          store.stage(stream, { maxBytes: 100 * MB, signal: controller.signal }),
          isAbort,
        );
        assert.ok(stream.destroyed, 'the source is still open');
        await assertNoLeftovers();
      });

      it('rejects at once when the signal is already aborted', async () => {
        const source = sourceOf(randomBytes(1000));
        await assert.rejects(
          store.stage(source, { maxBytes: MB, signal: AbortSignal.abort() }),
          isAbort,
        );
        await assertNoLeftovers();
      });

      it('rejects on abort even while the source is stalled', { timeout: 10_000 }, async () => {
        async function* stalled(): AsyncGenerator<Uint8Array> {
          yield randomBytes(chunk);
          await new Promise(() => undefined); // never resolves
        }
        const controller = new AbortController();
        setTimeout(() => controller.abort(), 50);
        await assert.rejects(
          store.stage(stalled(), { maxBytes: MB, signal: controller.signal }),
          isAbort,
        );
        await assertNoLeftovers();
      });
    });

    describe('lookups', () => {
      const absent = sha256Of(Buffer.from('never stored'));
      const malformed = [
        '../../etc/passwd',
        '',
        absent.toUpperCase(),
        absent.slice(1),
        `${absent}0`,
        `../${absent.slice(3)}`,
        `${absent.slice(0, 2)}/${absent.slice(3)}`,
        'g'.repeat(64),
        `${absent.slice(1)}\0`,
        ` ${absent.slice(1)}`,
      ];

      it('answers NOT_FOUND for an absent blob, with or without a range', async () => {
        await assert.rejects(store.open(absent), isAppError('NOT_FOUND'));
        await assert.rejects(store.open(absent, { start: 0, end: 0 }), isAppError('NOT_FOUND'));
        assert.equal(await store.size(absent), null);
      });

      it('treats anything but 64 lowercase hex digits as absent', async () => {
        for (const name of malformed) {
          await assert.rejects(store.open(name), isAppError('NOT_FOUND'), JSON.stringify(name));
          assert.equal(await store.size(name), null, JSON.stringify(name));
          await store.remove(name);
        }
      });

      it('removes a blob; removing it again is a no-op', async () => {
        const sha = await put(randomBytes(chunk * 2));
        await store.remove(sha);
        assert.equal(await store.size(sha), null);
        await assert.rejects(store.open(sha), isAppError('NOT_FOUND'));
        await store.remove(sha);
        await store.remove(absent);
      });

      it('can be stored again after removal', async () => {
        const bytes = randomBytes(1234);
        const sha = await put(bytes);
        await store.remove(sha);
        assert.equal(await put(bytes), sha);
        assert.ok((await read(sha)).equals(bytes));
      });
    });

    describe('check', () => {
      it('passes on a writable store and leaves nothing behind', async () => {
        await store.check(AbortSignal.timeout(5000));
        await assertNoLeftovers();
      });

      it('rejects with an aborted signal', async () => {
        await assert.rejects(store.check(AbortSignal.abort()), isAbort);
        await assertNoLeftovers();
      });
    });

    after(async () => {
      await assertNoLeftovers();
    });
  });
}
