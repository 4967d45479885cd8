/**
 * Encryption at rest: AES-256-GCM over fixed-size chunks, so a blob of any size is written and
 * read in constant memory, and a byte range decrypts only the chunks it covers.
 *
 * File layout (integers big-endian):
 *
 *   offset  size  field
 *   0       7     MAGIC "QBLOB1\n"
 *   7       1     format = 1 (FORMAT_AES_GCM_CHUNKED)
 *   8       4     chunk size C (plaintext bytes per chunk)
 *   12      8     plaintext length L
 *   20      16    key check = HMAC-SHA256(key, "quire-blob-key-check")[0..16)
 *   36      8     nonce prefix, random per file
 *   44      ...   N = max(1, ceil(L / C)) chunks; chunk i = ciphertext (C bytes; the last one
 *                 L - (N-1)·C bytes, 0 only for an empty blob) followed by its 16-byte GCM tag
 *
 * Chunk i is sealed with nonce = prefix || uint32(i) and AAD = uint32(i) || final flag (1 on the
 * last chunk, else 0), so a chunk moved, dropped, duplicated or cut short fails authentication,
 * and so does a file truncated at a chunk boundary (its new last chunk was sealed as not final).
 * The file's exact length follows from C and L; a header whose C or L was edited moves chunk
 * boundaries or the final flag and fails too. An empty blob still has one (empty, final) chunk.
 *
 * L is known only once the stream has ended: the header is first written with L = 2^64-1,
 * which no reader accepts, and patched with a positioned write before the file is fsync'd.
 */
import {
  createCipheriv,
  createDecipheriv,
  createHmac,
  randomBytes,
  timingSafeEqual,
} from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import { Transform, type TransformCallback } from 'node:stream';
import { FORMAT_AES_GCM_CHUNKED, MAGIC } from './format.js';

export const KEY_LENGTH = 32;
export const TAG_LENGTH = 16;
// 1 MiB chunks: at 64 KiB, GCM set-up and the per-chunk stream callbacks cost a quarter of an
// encrypted upload's CPU; a ranged read now decrypts at most 2 MiB more than it returns.
export const DEFAULT_CHUNK_SIZE = 1024 * 1024;
export const MIN_CHUNK_SIZE = 256;
export const MAX_CHUNK_SIZE = 16 * 1024 * 1024;

const NONCE_PREFIX_LENGTH = 8;
const KEY_CHECK_LENGTH = 16;
const CHUNK_SIZE_OFFSET = 8;
const LENGTH_OFFSET = 12;
const KEY_CHECK_OFFSET = 20;
const NONCE_PREFIX_OFFSET = 36;
export const HEADER_LENGTH = 44;
const MAX_CHUNKS = 2 ** 32; // the chunk index is a uint32 in the nonce
const LENGTH_PLACEHOLDER = 2n ** 64n - 1n;

export interface EncryptedHeader {
  chunkSize: number;
  plaintextLength: number;
  keyCheck: Buffer;
  noncePrefix: Buffer;
}

export function assertKey(key: Buffer): void {
  if (!Buffer.isBuffer(key) || key.length !== KEY_LENGTH)
    throw new TypeError(`the blob encryption key must be ${KEY_LENGTH} bytes`);
}

export function assertChunkSize(chunkSize: number): void {
  if (!Number.isInteger(chunkSize) || chunkSize < MIN_CHUNK_SIZE || chunkSize > MAX_CHUNK_SIZE)
    throw new TypeError(
      `chunkSize must be an integer from ${MIN_CHUNK_SIZE} to ${MAX_CHUNK_SIZE}, got ${chunkSize}`,
    );
}

/** Identifies the key without revealing it, so a wrong key is reported before any decryption. */
export function keyCheck(key: Buffer): Buffer {
  return createHmac('sha256', key)
    .update('quire-blob-key-check')
    .digest()
    .subarray(0, KEY_CHECK_LENGTH);
}

export function chunkCount(header: EncryptedHeader): number {
  return Math.max(1, Math.ceil(header.plaintextLength / header.chunkSize));
}

/** The exact length of a well-formed file with this header. */
export function encryptedFileLength(header: EncryptedHeader): number {
  return HEADER_LENGTH + header.plaintextLength + chunkCount(header) * TAG_LENGTH;
}

function nonce(prefix: Buffer, index: number): Buffer {
  const bytes = Buffer.alloc(NONCE_PREFIX_LENGTH + 4);
  prefix.copy(bytes, 0);
  bytes.writeUInt32BE(index, NONCE_PREFIX_LENGTH);
  return bytes;
}

function aad(index: number, final: boolean): Buffer {
  const bytes = Buffer.alloc(5);
  bytes.writeUInt32BE(index, 0);
  bytes[4] = final ? 1 : 0;
  return bytes;
}

function corrupt(what: string): Error {
  return new Error(`encrypted blob is corrupt: ${what}`);
}

/** Parses and checks the fixed header (`bytes` holds at least its first HEADER_LENGTH bytes). */
export function parseEncryptedHeader(bytes: Buffer): EncryptedHeader {
  if (bytes.length < HEADER_LENGTH) throw corrupt('the header is cut short');
  if (
    !MAGIC.equals(bytes.subarray(0, MAGIC.length)) ||
    bytes[MAGIC.length] !== FORMAT_AES_GCM_CHUNKED
  )
    throw corrupt('not an encrypted blob header');
  const chunkSize = bytes.readUInt32BE(CHUNK_SIZE_OFFSET);
  if (chunkSize < MIN_CHUNK_SIZE || chunkSize > MAX_CHUNK_SIZE)
    throw corrupt(`chunk size ${chunkSize} is out of bounds`);
  const length = bytes.readBigUInt64BE(LENGTH_OFFSET);
  if (length > BigInt(Number.MAX_SAFE_INTEGER)) throw corrupt('the plaintext length is invalid');
  const header: EncryptedHeader = {
    chunkSize,
    plaintextLength: Number(length),
    keyCheck: Buffer.from(bytes.subarray(KEY_CHECK_OFFSET, KEY_CHECK_OFFSET + KEY_CHECK_LENGTH)),
    noncePrefix: Buffer.from(
      bytes.subarray(NONCE_PREFIX_OFFSET, NONCE_PREFIX_OFFSET + NONCE_PREFIX_LENGTH),
    ),
  };
  if (chunkCount(header) > MAX_CHUNKS) throw corrupt('too many chunks');
  return header;
}

/** Throws a clear error unless `key` is the key the blob was written with. */
export function assertKeyMatches(header: EncryptedHeader, key: Buffer | undefined): Buffer {
  if (key === undefined)
    throw new Error('blob is encrypted at rest but no blob encryption key is configured');
  if (!timingSafeEqual(header.keyCheck, keyCheck(key)))
    throw new Error('blob encryption key does not match (key check failed)');
  return key;
}

/**
 * Turns plaintext into the whole encrypted file, header first. A full chunk is sealed only once
 * more input arrives, so the last chunk, sealed at the end, is the one flagged final. After the
 * stream ends, `lengthPatch()` gives the header bytes that still have to be written.
 */
export class ChunkEncryptor extends Transform {
  readonly #key: Buffer;
  readonly #prefix = randomBytes(NONCE_PREFIX_LENGTH);
  readonly #chunk: Buffer;
  #filled = 0;
  #index = 0;
  #length = 0;
  #ended = false;

  constructor(key: Buffer, chunkSize: number) {
    super();
    assertKey(key);
    assertChunkSize(chunkSize);
    this.#key = key;
    this.#chunk = Buffer.allocUnsafe(chunkSize);
    const header = Buffer.alloc(HEADER_LENGTH);
    MAGIC.copy(header, 0);
    header[MAGIC.length] = FORMAT_AES_GCM_CHUNKED;
    header.writeUInt32BE(chunkSize, CHUNK_SIZE_OFFSET);
    header.writeBigUInt64BE(LENGTH_PLACEHOLDER, LENGTH_OFFSET);
    keyCheck(key).copy(header, KEY_CHECK_OFFSET);
    this.#prefix.copy(header, NONCE_PREFIX_OFFSET);
    this.push(header);
  }

  /** The positioned write that puts the real plaintext length into the header. */
  lengthPatch(): { position: number; bytes: Buffer } {
    if (!this.#ended) throw new Error('the plaintext length is known only at the end');
    const bytes = Buffer.alloc(8);
    bytes.writeBigUInt64BE(BigInt(this.#length));
    return { position: LENGTH_OFFSET, bytes };
  }

  override _transform(data: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    try {
      const size = this.#chunk.length;
      for (let offset = 0; offset < data.length;) {
        if (this.#filled === size) this.#seal(false);
        const take = Math.min(size - this.#filled, data.length - offset);
        data.copy(this.#chunk, this.#filled, offset, offset + take);
        this.#filled += take;
        offset += take;
      }
      this.#length += data.length;
      done();
    } catch (error) {
      done(error as Error);
    }
  }

  override _flush(done: TransformCallback): void {
    try {
      this.#seal(true);
      this.#ended = true;
      done();
    } catch (error) {
      done(error as Error);
    }
  }

  #seal(final: boolean): void {
    if (this.#index >= MAX_CHUNKS) throw new Error('blob too large for its chunk size');
    const cipher = createCipheriv('aes-256-gcm', this.#key, nonce(this.#prefix, this.#index), {
      authTagLength: TAG_LENGTH,
    });
    cipher.setAAD(aad(this.#index, final));
    const ciphertext = cipher.update(this.#chunk.subarray(0, this.#filled));
    cipher.final();
    // One chunk, not two: a 16-byte tag pushed on its own doubled the file writes.
    this.push(Buffer.concat([ciphertext, cipher.getAuthTag()]));
    this.#filled = 0;
    this.#index += 1;
  }
}

async function readFully(handle: FileHandle, into: Buffer, length: number, position: number) {
  let read = 0;
  while (read < length) {
    const { bytesRead } = await handle.read(into, read, length - read, position + read);
    if (bytesRead === 0) throw corrupt('the file is cut short');
    read += bytesRead;
  }
}

function openChunk(key: Buffer, header: EncryptedHeader, index: number, frame: Buffer): Buffer {
  const final = index === chunkCount(header) - 1;
  const ciphertext = frame.subarray(0, frame.length - TAG_LENGTH);
  const decipher = createDecipheriv('aes-256-gcm', key, nonce(header.noncePrefix, index), {
    authTagLength: TAG_LENGTH,
  });
  decipher.setAAD(aad(index, final));
  decipher.setAuthTag(frame.subarray(frame.length - TAG_LENGTH));
  const plaintext = decipher.update(ciphertext);
  try {
    decipher.final();
  } catch (cause) {
    throw new Error(
      `encrypted blob failed authentication at chunk ${index} (corrupt or tampered)`,
      {
        cause,
      },
    );
  }
  return plaintext;
}

/**
 * Yields the plaintext bytes [start, end) (end exclusive), reading and authenticating only the
 * chunks that hold them, one at a time; nothing of a chunk is yielded before its tag is checked.
 * With start = end = 0 it still authenticates chunk 0 (how an empty blob is read).
 */
export async function* decryptRange(
  handle: FileHandle,
  header: EncryptedHeader,
  key: Buffer,
  start: number,
  end: number,
): AsyncGenerator<Buffer> {
  const size = header.chunkSize;
  const count = chunkCount(header);
  const first = Math.floor(start / size);
  const last = end === start ? first : Math.floor((end - 1) / size);
  const frame = Buffer.allocUnsafe(size + TAG_LENGTH);
  for (let index = first; index <= last; index++) {
    const plainLength = index === count - 1 ? header.plaintextLength - index * size : size;
    const chunk = frame.subarray(0, plainLength + TAG_LENGTH);
    await readFully(handle, chunk, chunk.length, HEADER_LENGTH + index * (size + TAG_LENGTH));
    const plaintext = openChunk(key, header, index, chunk);
    const from = Math.max(start - index * size, 0);
    const to = Math.min(end - index * size, plainLength);
    if (to > from)
      yield from === 0 && to === plainLength ? plaintext : plaintext.subarray(from, to);
  }
}

/** The frames (chunk + tag) that hold plaintext [start, end): their indexes and stored byte span. */
export interface FrameSpan {
  first: number;
  last: number;
  /** First stored byte of frame `first`. */
  from: number;
  /** One past the last stored byte of frame `last`. */
  to: number;
}

export function frameSpan(header: EncryptedHeader, start: number, end: number): FrameSpan {
  const size = header.chunkSize;
  const first = Math.floor(start / size);
  const last = end === start ? first : Math.floor((end - 1) / size);
  const frameAt = (index: number): number => HEADER_LENGTH + index * (size + TAG_LENGTH);
  const lastPlain = last === chunkCount(header) - 1 ? header.plaintextLength - last * size : size;
  return { first, last, from: frameAt(first), to: frameAt(last) + lastPlain + TAG_LENGTH };
}

/**
 * As `decryptRange`, for stores that read by streaming rather than by position: `frames` is the
 * stored bytes of `frameSpan(header, start, end)` (one ranged read), authenticated and
 * decrypted a frame at a time, so memory stays at one frame whatever the range.
 */
export async function* decryptFrames(
  frames: AsyncIterable<Uint8Array>,
  header: EncryptedHeader,
  key: Buffer,
  start: number,
  end: number,
): AsyncGenerator<Buffer> {
  const size = header.chunkSize;
  const count = chunkCount(header);
  const { first, last } = frameSpan(header, start, end);
  const frame = Buffer.allocUnsafe(size + TAG_LENGTH);
  let index = first;
  let filled = 0;
  const frameLength = (at: number): number =>
    (at === count - 1 ? header.plaintextLength - at * size : size) + TAG_LENGTH;
  const emit = (): Buffer | null => {
    const plainLength = frameLength(index) - TAG_LENGTH;
    const plaintext = openChunk(key, header, index, frame.subarray(0, filled));
    const from = Math.max(start - index * size, 0);
    const to = Math.min(end - index * size, plainLength);
    index += 1;
    filled = 0;
    return to > from ? plaintext.subarray(from, to) : null;
  };
  for await (const piece of frames) {
    let offset = 0;
    while (offset < piece.length) {
      if (index > last) throw corrupt('more bytes than the range holds');
      const take = Math.min(frameLength(index) - filled, piece.length - offset);
      frame.set(piece.subarray(offset, offset + take), filled);
      filled += take;
      offset += take;
      if (filled === frameLength(index)) {
        const plaintext = emit();
        if (plaintext !== null) yield plaintext;
      }
    }
  }
  if (index <= last) throw corrupt('the stored bytes are cut short');
}
