/**
 * What the S3 store does beyond the shared contract, against s3rver on loopback: a Range read of
 * an encrypted blob fetches only the frames that hold it; an outage surfaces as 503
 * DEPENDENCY_UNAVAILABLE, the breaker then fails calls fast (and refuses new staging before
 * reading a byte), and the store serves again once the server is back; a multipart put whose part
 * fails is aborted and leaves no object.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { S3Client } from '@aws-sdk/client-s3';
import { createS3BlobStore } from '../../../src/adapters/s3-blobs/blob-store.js';
import { createS3Guard } from '../../../src/adapters/s3-blobs/failures.js';
import { AppError } from '../../../src/errors.js';
import type { BlobStore } from '../../../src/ports/blob-store.js';
import { readAll, sourceOf } from '../../contracts/blob-store.contract.js';
import { tempDir } from '../../helpers/app.js';
import { startS3Server, type S3TestServer } from '../../helpers/s3-server.js';

const S3_PORT = 27103;
const CHUNK = 1000;
const HEADER = 44;
const TAG = 16;

/** Records the Range header of every request the client sends. */
function recordRanges(client: S3Client): string[] {
  const ranges: string[] = [];
  client.middlewareStack.add(
    (next) => async (args) => {
      const headers = (args.request as { headers?: Record<string, string> }).headers;
      if (headers?.range !== undefined) ranges.push(headers.range);
      return next(args);
    },
    { step: 'finalizeRequest', name: 'recordRanges' },
  );
  return ranges;
}

const isUnavailable = (error: unknown): boolean => {
  assert.ok(error instanceof AppError, `expected an AppError, got ${String(error)}`);
  assert.equal(error.code, 'DEPENDENCY_UNAVAILABLE');
  assert.equal(error.status, 503);
  assert.match(error.detail, /blob store \(S3\) is unavailable/);
  return true;
};

describe('S3 blob store against s3rver', { timeout: 90_000 }, () => {
  let s3: S3TestServer;
  before(async () => {
    s3 = await startS3Server(S3_PORT);
  });

  function store(
    client: S3Client,
    guard = createS3Guard(),
    prefix = `adapter-${randomBytes(4).toString('hex')}/`,
  ): BlobStore {
    return createS3BlobStore({
      client,
      bucket: s3.bucket,
      prefix,
      partSize: 5 * 1024 * 1024,
      tmpDir: join(tempDir('quire-s3-adapter-'), 'tmp'),
      guard,
      encryptionKey: randomBytes(32),
      chunkSize: CHUNK,
    });
  }

  it('reads a range of an encrypted blob with one ranged GET of just the frames that hold it', async () => {
    const client = s3.client();
    const ranges = recordRanges(client);
    const blobs = store(client);
    const bytes = randomBytes(200_000);
    const staged = await blobs.stage(sourceOf(bytes), { maxBytes: bytes.length });
    await blobs.commit(staged);
    ranges.length = 0;
    const [start, end] = [50_500, 51_499]; // chunks 50 and 51
    const got = await readAll(await blobs.open(staged.sha256, { start, end }));
    assert.ok(got.equals(bytes.subarray(start, end + 1)));
    const frame = (index: number): number => HEADER + index * (CHUNK + TAG);
    assert.deepEqual(ranges, [`bytes=0-${HEADER - 1}`, `bytes=${frame(50)}-${frame(52) - 1}`]);
  });

  it('puts a multi-part blob from the staged file, and aborts the upload when a part fails', async () => {
    const client = s3.client();
    const commands: string[] = [];
    let failPart: number | undefined;
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const input = args.input as { PartNumber?: number };
        commands.push(`${context.commandName}${input.PartNumber ?? ''}`);
        if (context.commandName === 'UploadPartCommand' && input.PartNumber === failPart)
          throw Object.assign(new Error('injected part failure'), { $metadata: {} });
        return next(args);
      },
      { step: 'initialize', name: 'recordCommands' },
    );
    const prefix = `adapter-${randomBytes(4).toString('hex')}/`;
    const blobs = store(client, createS3Guard({ threshold: 100 }), prefix);
    const bytes = randomBytes(12 * 1024 * 1024 + 7); // three parts of 5 MiB
    const good = await blobs.stage(sourceOf(bytes), { maxBytes: bytes.length });
    await blobs.commit(good);
    assert.ok((await readAll(await blobs.open(good.sha256))).equals(bytes));
    const parts = commands.filter((command) => command.startsWith('UploadPartCommand')).sort();
    assert.deepEqual(parts, ['UploadPartCommand1', 'UploadPartCommand2', 'UploadPartCommand3']);

    commands.length = 0;
    failPart = 2;
    const other = randomBytes(12 * 1024 * 1024);
    const bad = await blobs.stage(sourceOf(other), { maxBytes: other.length });
    await assert.rejects(blobs.commit(bad));
    assert.ok(commands.includes('AbortMultipartUploadCommand'), commands.join(', '));
    assert.ok(!commands.includes('CompleteMultipartUploadCommand'));
    assert.equal(await blobs.size(bad.sha256), null, 'nothing visible under the key');
    failPart = undefined;
    await blobs.commit(bad); // the staged file is kept for a retry
    assert.ok((await readAll(await blobs.open(bad.sha256))).equals(other));
  });

  it('turns an outage into 503 DEPENDENCY_UNAVAILABLE, fails fast once the breaker opens, and recovers', async () => {
    const guard = createS3Guard({ threshold: 2, halfOpenAfterMs: 500 });
    const blobs = store(s3.client(), guard);
    const bytes = randomBytes(10_000);
    const staged = await blobs.stage(sourceOf(bytes), { maxBytes: bytes.length });
    await blobs.commit(staged);

    await s3.stop();
    try {
      await assert.rejects(blobs.open(staged.sha256), isUnavailable);
      await assert.rejects(blobs.size(staged.sha256), isUnavailable);
      assert.equal(guard.open, true, 'two failures in a row open the breaker');
      const t0 = performance.now();
      await assert.rejects(blobs.open(staged.sha256), isUnavailable);
      assert.ok(performance.now() - t0 < 100, 'an open breaker answers without trying S3');
      let pulled = 0;
      const source = new Readable({
        read() {
          pulled += 1;
          this.push(null);
        },
      });
      await assert.rejects(blobs.stage(source, { maxBytes: 10 }), isUnavailable);
      assert.equal(pulled, 0, 'staging is refused before a byte is read');
      await assert.rejects(blobs.check(AbortSignal.timeout(5000)), isUnavailable);
    } finally {
      await s3.start();
    }
    await sleep(600); // past halfOpenAfter: the next call tests the store again
    assert.ok((await readAll(await blobs.open(staged.sha256))).equals(bytes));
    assert.equal(guard.open, false);
    await blobs.check(AbortSignal.timeout(5000));
  });
});
