/**
 * Reads a zip's central directory (names and declared sizes) without inflating anything, so a
 * DOCX, XLSX, PPTX, OpenDocument file or EPUB can be refused as a zip bomb before anything
 * inflates it. Supports ZIP64 records; refuses
 * multi-disk archives and directories that do not add up. Declared sizes can lie (a 1 KB claim
 * over a 1 GB entry), so `inflatedSizeWithin` then inflates every entry as a stream, counting
 * bytes and keeping none, and stops at the cap. Also reads one small entry (bounded output) for
 * metadata.
 */
import { createReadStream } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { createInflateRaw, inflateRawSync } from 'node:zlib';
import { Failure } from '../ports/failures.js';

export interface ZipEntry {
  name: string;
  method: number;
  flags: number;
  compressedSize: number;
  uncompressedSize: number;
  localHeaderOffset: number;
}

export interface ZipDirectory {
  entries: ZipEntry[];
  /** Sum of the entries' declared uncompressed sizes. */
  totalUncompressed: number;
}

const EOCD = 0x06054b50;
const ZIP64_LOCATOR = 0x07064b50;
const ZIP64_EOCD = 0x06064b50;
const CENTRAL_ENTRY = 0x02014b50;
const LOCAL_HEADER = 0x04034b50;
const EOCD_SIZE = 22;
const MAX_COMMENT = 0xffff;
/** A document has tens or hundreds of entries; a directory this large is not one. */
const MAX_DIRECTORY_BYTES = 16 * 1024 * 1024;
const MAX_ENTRIES = 65_535;

const messageOf = (error: unknown): string =>
  error instanceof Error ? error.message : String(error);

const corrupt = (why: string): Failure =>
  new Failure('DOCUMENT_CORRUPT', `Not a valid zip-based document: ${why}`);

async function readAt(handle: FileHandle, position: number, length: number): Promise<Buffer> {
  const buffer = Buffer.alloc(length);
  const { bytesRead } = await handle.read(buffer, 0, length, position);
  if (bytesRead !== length) throw corrupt('the file ends early');
  return buffer;
}

/** A 64-bit field as a number (past 2^53 it is only approximate, and far above any limit). */
const u64 = (buffer: Buffer, offset: number): number => Number(buffer.readBigUInt64LE(offset));

function findEocd(tail: Buffer): number {
  // Scan backwards; prefer a record whose comment ends exactly at the end of the file.
  let fallback = -1;
  for (let at = tail.length - EOCD_SIZE; at >= 0; at--) {
    if (tail.readUInt32LE(at) !== EOCD) continue;
    if (at + EOCD_SIZE + tail.readUInt16LE(at + 20) === tail.length) return at;
    if (fallback < 0) fallback = at;
  }
  return fallback;
}

interface DirectoryLocation {
  entries: number;
  size: number;
  offset: number;
  /** Where the directory must end (the start of the records that follow it). */
  end: number;
}

async function locateDirectory(handle: FileHandle, fileSize: number): Promise<DirectoryLocation> {
  if (fileSize < EOCD_SIZE) throw corrupt('too short');
  const tailStart = Math.max(0, fileSize - EOCD_SIZE - MAX_COMMENT);
  const tail = await readAt(handle, tailStart, fileSize - tailStart);
  const at = findEocd(tail);
  if (at < 0) throw corrupt('no end of central directory record');
  const eocd = tailStart + at;
  const disk = tail.readUInt16LE(at + 4);
  const directoryDisk = tail.readUInt16LE(at + 6);
  let entries = tail.readUInt16LE(at + 10);
  let size = tail.readUInt32LE(at + 12);
  let offset = tail.readUInt32LE(at + 16);
  let end = eocd;
  if (entries === 0xffff || size === 0xffffffff || offset === 0xffffffff) {
    if (eocd < 20) throw corrupt('ZIP64 locator missing');
    const locator = await readAt(handle, eocd - 20, 20);
    if (locator.readUInt32LE(0) !== ZIP64_LOCATOR) throw corrupt('ZIP64 locator missing');
    const recordAt = u64(locator, 8);
    if (recordAt + 56 > eocd - 20) throw corrupt('ZIP64 record out of place');
    const record = await readAt(handle, recordAt, 56);
    if (record.readUInt32LE(0) !== ZIP64_EOCD) throw corrupt('ZIP64 record missing');
    if (record.readUInt32LE(16) !== 0 || record.readUInt32LE(20) !== 0)
      throw corrupt('multi-disk archive');
    entries = u64(record, 32);
    size = u64(record, 40);
    offset = u64(record, 48);
    end = recordAt;
  } else if (disk !== 0 || directoryDisk !== 0) {
    throw corrupt('multi-disk archive');
  }
  if (offset + size > end) throw corrupt('central directory out of bounds');
  return { entries, size, offset, end };
}

function parseEntries(directory: Buffer, count: number): ZipEntry[] {
  const entries: ZipEntry[] = [];
  let at = 0;
  for (let index = 0; index < count; index++) {
    if (at + 46 > directory.length || directory.readUInt32LE(at) !== CENTRAL_ENTRY)
      throw corrupt('bad central directory entry');
    const nameLength = directory.readUInt16LE(at + 28);
    const extraLength = directory.readUInt16LE(at + 30);
    const commentLength = directory.readUInt16LE(at + 32);
    const next = at + 46 + nameLength + extraLength + commentLength;
    if (next > directory.length) throw corrupt('bad central directory entry');
    let compressedSize = directory.readUInt32LE(at + 20);
    let uncompressedSize = directory.readUInt32LE(at + 24);
    let localHeaderOffset = directory.readUInt32LE(at + 42);
    if (
      uncompressedSize === 0xffffffff ||
      compressedSize === 0xffffffff ||
      localHeaderOffset === 0xffffffff
    ) {
      // The ZIP64 extra field holds, in this order, only the fields that overflowed.
      const extra = directory.subarray(at + 46 + nameLength, at + 46 + nameLength + extraLength);
      let field = 0;
      let found = false;
      while (field + 4 <= extra.length) {
        const id = extra.readUInt16LE(field);
        const length = extra.readUInt16LE(field + 2);
        if (field + 4 + length > extra.length) break;
        if (id === 0x0001) {
          let value = field + 4;
          const take = (): number => {
            if (value + 8 > field + 4 + length) throw corrupt('short ZIP64 extra field');
            const read = u64(extra, value);
            value += 8;
            return read;
          };
          if (uncompressedSize === 0xffffffff) uncompressedSize = take();
          if (compressedSize === 0xffffffff) compressedSize = take();
          if (localHeaderOffset === 0xffffffff) localHeaderOffset = take();
          found = true;
          break;
        }
        field += 4 + length;
      }
      if (!found) throw corrupt('ZIP64 sizes missing');
    }
    entries.push({
      name: directory.toString('utf8', at + 46, at + 46 + nameLength),
      method: directory.readUInt16LE(at + 10),
      flags: directory.readUInt16LE(at + 8),
      compressedSize,
      uncompressedSize,
      localHeaderOffset,
    });
    at = next;
  }
  return entries;
}

/** The archive's entries as its central directory declares them. */
export async function readZipDirectory(handle: FileHandle): Promise<ZipDirectory> {
  const { size: fileSize } = await handle.stat();
  const location = await locateDirectory(handle, fileSize);
  if (location.entries > MAX_ENTRIES || location.size > MAX_DIRECTORY_BYTES) {
    throw new Failure(
      'UNPROCESSABLE_DOCUMENT',
      `The zip has ${location.entries} entries in a ${location.size}-byte directory: too many for a document`,
    );
  }
  const directory = await readAt(handle, location.offset, location.size);
  const entries = parseEntries(directory, location.entries);
  const totalUncompressed = entries.reduce((sum, entry) => sum + entry.uncompressedSize, 0);
  return { entries, totalUncompressed };
}

/** Where an entry's compressed bytes start (after its local header, whose lengths may differ). */
async function dataStart(handle: FileHandle, entry: ZipEntry): Promise<number> {
  const header = await readAt(handle, entry.localHeaderOffset, 30);
  if (header.readUInt32LE(0) !== LOCAL_HEADER) throw corrupt('bad local header');
  return entry.localHeaderOffset + 30 + header.readUInt16LE(26) + header.readUInt16LE(28);
}

/**
 * One entry's bytes, inflated to at most `maxBytes`; null when it is larger, encrypted or uses a
 * compression method other than stored or deflate.
 */
export async function readZipEntry(
  handle: FileHandle,
  entry: ZipEntry,
  maxBytes: number,
): Promise<Buffer | null> {
  if ((entry.flags & 1) !== 0 || entry.uncompressedSize > maxBytes) return null;
  if (entry.compressedSize > maxBytes * 2 + 1024) return null;
  const data = await readAt(handle, await dataStart(handle, entry), entry.compressedSize);
  if (entry.method === 0) return data.subarray(0, maxBytes);
  if (entry.method !== 8) return null;
  try {
    return inflateRawSync(data, { maxOutputLength: maxBytes });
  } catch {
    return null;
  }
}

const INFLATE_CHUNK_BYTES = 256 * 1024;

/** Inflates one deflated entry as a stream and counts its bytes; stops once past `limit`. */
async function countInflated(
  path: string,
  start: number,
  entry: ZipEntry,
  limit: number,
): Promise<number> {
  let count = 0;
  if (entry.compressedSize === 0) return 0;
  try {
    await pipeline(
      createReadStream(path, { start, end: start + entry.compressedSize - 1 }),
      createInflateRaw({ chunkSize: INFLATE_CHUNK_BYTES }),
      async (chunks: AsyncIterable<Buffer>) => {
        for await (const chunk of chunks) {
          count += chunk.length;
          // Stops the pipeline (it then rejects, with this or an abort error).
          if (count > limit) throw new Error('over the cap');
        }
      },
    );
  } catch (error) {
    if (count > limit) return count;
    throw corrupt(`${entry.name} does not inflate (${messageOf(error)})`);
  }
  return count;
}

/**
 * The archive's real unzipped size, found by inflating every entry (memory stays at one chunk),
 * or null as soon as it passes `cap`: what the entries declare is not trusted. Stored entries
 * count their stored size; entries in other methods (which mammoth cannot read either) their
 * compressed size.
 */
export async function inflatedSizeWithin(
  path: string,
  handle: FileHandle,
  directory: ZipDirectory,
  cap: number,
): Promise<number | null> {
  let total = 0;
  for (const entry of directory.entries) {
    if (entry.method !== 8 || (entry.flags & 1) !== 0) {
      total += entry.compressedSize;
    } else {
      total += await countInflated(path, await dataStart(handle, entry), entry, cap - total);
    }
    if (total > cap) return null;
  }
  return total;
}
