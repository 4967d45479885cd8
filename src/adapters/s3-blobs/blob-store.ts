/**
 * The S3-compatible BlobStore: blobs are objects under `<prefix>blobs/ab/cd/<sha256>` (keys.ts)
 * in Quire's at-rest format (blob-format/), so the bucket never sees plaintext when a key is set.
 * Only standard calls are used (PutObject / multipart upload, GetObject with Range, HeadObject,
 * DeleteObject; file-upload.ts puts a staged file), so it works on AWS S3, MinIO, Ceph RGW, R2 and Garage.
 *
 * Staging writes to a local temporary file (hashing, counting, encrypting) and `commit` uploads
 * it to the blob's key: the content key is known only once the last byte is hashed, and the
 * encrypted header is patched at the end, so streaming straight to the bucket would need a
 * staging object and a server-side copy of every byte at commit. A multipart upload becomes
 * visible only when it completes (and is aborted on failure), so no half-written object ever
 * appears under a content key, and a discarded staging leaves nothing in the bucket.
 */
import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  type GetObjectCommandOutput,
  type S3Client,
  type ServerSideEncryption,
} from '@aws-sdk/client-s3';
import { AppError } from '../../errors.js';
import type { BlobStore, ByteRange } from '../../ports/blob-store.js';
import {
  DEFAULT_CHUNK_SIZE,
  HEADER_LENGTH,
  assertChunkSize,
  assertKey,
  assertKeyMatches,
  decryptFrames,
  frameSpan,
} from '../blob-format/chunked-encryption.js';
import { checkRange, classifyBlob, type BlobFile } from '../blob-format/classify.js';
import { StagedBlobs, type StagedState } from '../blob-format/staged-blobs.js';
import { tempFileName } from '../fs-temp/temp-files.js';
import { isNotFound, unavailable, type S3Guard } from './failures.js';
import { uploadFile } from './file-upload.js';
import { isSha256, objectKeys } from './keys.js';

export interface S3BlobStoreOptions {
  /** Built by the composition root, with its retry strategy. */
  client: S3Client;
  bucket: string;
  /** Prepended to every key (may be empty). */
  prefix: string;
  /** Local directory for staged uploads and plaintext copies (the data dir's `tmp/`). */
  tmpDir: string;
  guard: S3Guard;
  /** 32 bytes: encrypt new blobs with AES-256-GCM before they leave the process. */
  encryptionKey?: Buffer;
  /** Plaintext bytes per encrypted chunk (default 64 KiB). */
  chunkSize?: number;
  /** Server-side encryption asked of the store, on top of (or instead of) the key. */
  serverSideEncryption?: ServerSideEncryption;
  /** Smallest multipart part size; memory per upload is about partSize × queueSize. */
  partSize?: number;
  queueSize?: number;
}

/** A stored blob's framing and the version read, so later ranged reads see the same object. */
interface Located {
  file: BlobFile;
  etag: string | undefined;
}

/** S3's smallest part: with 4 in flight an upload holds ~20 MiB whatever the file's size. */
export const DEFAULT_PART_SIZE = 5 * 1024 * 1024;
export const DEFAULT_QUEUE_SIZE = 4;
/** S3 allows 10,000 parts; larger files get larger parts (kept below the limit). */
const MAX_PARTS = 9_000;

/** Long because the port is wide: one short method per port operation, sharing the helpers. */
export function createS3BlobStore(options: S3BlobStoreOptions): BlobStore {
  const { client, bucket, tmpDir, guard } = options;
  const keys = objectKeys(options.prefix);
  if (options.encryptionKey !== undefined) assertKey(options.encryptionKey);
  const encryptionKey =
    options.encryptionKey === undefined ? undefined : Buffer.from(options.encryptionKey);
  const chunkSize = options.chunkSize ?? DEFAULT_CHUNK_SIZE;
  assertChunkSize(chunkSize);
  const sse =
    options.serverSideEncryption === undefined
      ? {}
      : { ServerSideEncryption: options.serverSideEncryption };
  async function exists(key: string): Promise<boolean> {
    try {
      await guard.run(() => client.send(new HeadObjectCommand({ Bucket: bucket, Key: key })));
      return true;
    } catch (error) {
      if (isNotFound(error)) return false;
      throw error;
    }
  }

  /** Uploads under way, by hash: concurrent commits of the same bytes share one upload. */
  const uploads = new Map<string, Promise<void>>();

  async function putStaged(path: string, sha256: string): Promise<void> {
    const key = keys.blob(sha256);
    // Same content, same key: if it is there, nothing needs sending. Commits in other processes
    // racing past this check upload the same plaintext; on S3 the last to complete wins, whole.
    if (await exists(key)) return;
    const { size } = await stat(path);
    await uploadFile({
      client,
      guard,
      bucket,
      key,
      path,
      size,
      partSize: Math.max(options.partSize ?? DEFAULT_PART_SIZE, Math.ceil(size / MAX_PARTS)),
      queueSize: options.queueSize ?? DEFAULT_QUEUE_SIZE,
      ...(options.serverSideEncryption === undefined
        ? {}
        : { serverSideEncryption: options.serverSideEncryption }),
    });
  }

  async function commitStaged(state: StagedState, sha256: string): Promise<void> {
    let upload = uploads.get(sha256);
    if (upload === undefined) {
      upload = putStaged(state.path, sha256).finally(() => uploads.delete(sha256));
      uploads.set(sha256, upload);
    }
    await upload;
    state.state = 'committed';
    await rm(state.path, { force: true });
  }

  /**
   * The blob's framing: its length and version from a HEAD, then its first bytes from a ranged
   * GET (skipped for an empty object, on which a Range is an error). Null when it is absent.
   */
  async function locate(sha256: string): Promise<Located | null> {
    if (!isSha256(sha256)) return null;
    let length: number;
    let etag: string | undefined;
    try {
      const head = await guard.run(() =>
        client.send(new HeadObjectCommand({ Bucket: bucket, Key: keys.blob(sha256) })),
      );
      length = head.ContentLength ?? 0;
      etag = head.ETag;
    } catch (error) {
      if (isNotFound(error)) return null;
      throw error;
    }
    if (length === 0) return { file: classifyBlob(Buffer.alloc(0), 0), etag };
    const headLength = Math.min(HEADER_LENGTH, length);
    const body = await rangedBody(sha256, 0, headLength - 1, etag);
    return { file: classifyBlob(await readAll(body, headLength), length), etag };
  }

  /**
   * The stored bytes [from, to] (inclusive) of the blob, as the version `etag`. A server may
   * answer a Range with more, up to the whole object (HTTP allows it; s3rver 3.7 does for
   * `bytes=0-0`): then the wanted bytes are cut from what came.
   */
  async function rangedBody(
    sha256: string,
    from: number,
    to: number,
    etag: string | undefined,
  ): Promise<Readable> {
    const output = await guard.run(() =>
      client.send(
        new GetObjectCommand({
          Bucket: bucket,
          Key: keys.blob(sha256),
          Range: `bytes=${from}-${to}`,
          ...(etag === undefined ? {} : { IfMatch: etag }),
        }),
      ),
    );
    const body = bodyOf(output);
    // What came: `bytes A-B/T`, or the whole object when there is no Content-Range.
    const answered = /^bytes (\d+)-(\d+)\//.exec(output.ContentRange ?? '');
    const first = answered === null ? 0 : Number(answered[1]);
    const last = answered === null ? Number.MAX_SAFE_INTEGER : Number(answered[2]);
    if (first === from && last === to) return body;
    if (first > from || last < to) {
      body.destroy();
      throw new Error(`the S3 store answered range ${from}-${to} with ${output.ContentRange}`);
    }
    return sliceStream(body, from - first, to + 1 - first);
  }

  async function located(sha256: string): Promise<Located> {
    const found = await locate(sha256);
    if (found === null)
      throw new AppError(
        'NOT_FOUND',
        isSha256(sha256) ? `Blob ${sha256} was not found.` : 'No blob has that id.',
      );
    return found;
  }

  async function plaintextStream(
    sha256: string,
    { file, etag }: Located,
    range: ByteRange | undefined,
  ): Promise<Readable> {
    if (range !== undefined) checkRange(range, file.size);
    const start = range?.start ?? 0;
    const end = range === undefined ? file.size : range.end + 1; // exclusive
    if (file.kind === 'encrypted') {
      const key = assertKeyMatches(file.header, encryptionKey);
      const span = frameSpan(file.header, start, end);
      const body = await rangedBody(sha256, span.from, span.to - 1, etag);
      const plaintext = Readable.from(decryptFrames(body, file.header, key, start, end), {
        objectMode: false,
      });
      plaintext.once('close', () => body.destroy());
      return plaintext;
    }
    if (end === start) return Readable.from([], { objectMode: false });
    const from = file.offset + start;
    const to = file.offset + end - 1;
    return rangedBody(sha256, from, to, etag);
  }

  const staging = new StagedBlobs({
    tmpDir,
    tempPath: () => join(tmpDir, tempFileName('stage')),
    encryptionKey,
    chunkSize,
    commitFile: commitStaged,
  });

  return {
    async stage(source, stageOptions) {
      // Known down: refuse before taking the bytes rather than after.
      if (guard.open) throw unavailable(new Error('circuit open after repeated failures'));
      return staging.stage(source, stageOptions);
    },
    commit: (blob) => staging.commit(blob),

    async open(sha256, range) {
      return plaintextStream(sha256, await located(sha256), range);
    },

    async materialize(sha256) {
      const found = await located(sha256);
      await mkdir(tmpDir, { recursive: true });
      const path = join(tmpDir, tempFileName('plain'));
      try {
        const plaintext = await plaintextStream(sha256, found, undefined);
        await pipeline(plaintext, createWriteStream(path, { mode: 0o600 }));
      } catch (error) {
        await rm(path, { force: true });
        throw error;
      }
      return { path, release: () => rm(path, { force: true }) };
    },

    async size(sha256) {
      return (await locate(sha256))?.file.size ?? null;
    },

    async remove(sha256) {
      if (!isSha256(sha256)) return;
      await guard.run(() =>
        client.send(new DeleteObjectCommand({ Bucket: bucket, Key: keys.blob(sha256) })),
      );
    },

    async check(signal) {
      signal.throwIfAborted();
      const key = keys.probe(randomUUID());
      await guard.run(() =>
        client.send(
          new PutObjectCommand({
            Bucket: bucket,
            Key: key,
            Body: 'quire blob store probe\n',
            ...sse,
          }),
          { abortSignal: signal },
        ),
      );
      await guard.run(() =>
        client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }), { abortSignal: signal }),
      );
    },
  };
}

function bodyOf(output: GetObjectCommandOutput): Readable {
  if (!(output.Body instanceof Readable))
    throw new Error('the S3 client did not return a stream body (is this Node?)');
  return output.Body;
}

/** Exactly `length` bytes of `body` (the whole of a short ranged answer). */
async function readAll(body: Readable, length: number): Promise<Buffer> {
  const pieces: Buffer[] = [];
  for await (const piece of body) pieces.push(piece as Buffer);
  const bytes = Buffer.concat(pieces);
  if (bytes.length !== length)
    throw new Error(`the S3 store gave ${bytes.length} bytes where ${length} were asked`);
  return bytes;
}

/** Bytes [from, to) of `body`, which holds the whole object; stops reading it at `to`. */
function sliceStream(body: Readable, from: number, to: number): Readable {
  async function* slice(): AsyncGenerator<Buffer> {
    let position = 0;
    for await (const piece of body) {
      const bytes = piece as Buffer;
      const start = Math.max(from - position, 0);
      const end = Math.min(to - position, bytes.length);
      position += bytes.length;
      if (end > start) yield bytes.subarray(start, end);
      if (position >= to) break;
    }
    if (position < to) throw new Error("the S3 store's answer was cut short");
  }
  const sliced = Readable.from(slice(), { objectMode: false });
  sliced.once('close', () => body.destroy());
  return sliced;
}
