/**
 * Decoding text files for the text, CSV, HTML and JSON processors: UTF-8 by default, UTF-16
 * LE/BE when a byte-order mark says so, and Latin-1 (as browsers do: windows-1252) when the
 * bytes are not valid UTF-8. Files are read in chunks so a 1 GB file costs one chunk of memory;
 * a reader that stops early closes the file.
 */
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';

export type TextEncoding = 'utf-8' | 'utf-16le' | 'utf-16be' | 'windows-1252';

const CHUNK_BYTES = 64 * 1024;

/** Thrown while decoding as UTF-8 bytes that are not UTF-8; callers retry as Latin-1. */
export class InvalidUtf8Error extends Error {
  constructor() {
    super('The text is not valid UTF-8');
    this.name = 'InvalidUtf8Error';
  }
}

export interface Bom {
  encoding: TextEncoding;
  length: number;
}

/** The encoding a byte-order mark at the start of `head` announces (UTF-8 when there is none). */
export function detectBom(head: Uint8Array): Bom {
  if (head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf)
    return { encoding: 'utf-8', length: 3 };
  if (head[0] === 0xff && head[1] === 0xfe) return { encoding: 'utf-16le', length: 2 };
  if (head[0] === 0xfe && head[1] === 0xff) return { encoding: 'utf-16be', length: 2 };
  return { encoding: 'utf-8', length: 0 };
}

function decoderFor(encoding: TextEncoding) {
  return new TextDecoder(encoding, { fatal: encoding === 'utf-8', ignoreBOM: true });
}

/** Decodes a whole buffer: BOM, else UTF-8, else Latin-1. */
export function decodeBytes(bytes: Uint8Array): string {
  const bom = detectBom(bytes);
  const body = bytes.subarray(bom.length);
  try {
    return decoderFor(bom.encoding).decode(body);
  } catch {
    return decoderFor('windows-1252').decode(body);
  }
}

/** Decoded chunks of the file after its BOM; UTF-8 errors throw InvalidUtf8Error. */
export async function* decodeFile(
  path: string,
  encoding: TextEncoding,
  skipBytes: number,
): AsyncGenerator<string> {
  const decoder = decoderFor(encoding);
  const stream = createReadStream(path, { start: skipBytes, highWaterMark: CHUNK_BYTES });
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      let text: string;
      try {
        text = decoder.decode(chunk, { stream: true });
      } catch {
        throw new InvalidUtf8Error();
      }
      if (text.length > 0) yield text;
    }
    let tail: string;
    try {
      tail = decoder.decode();
    } catch {
      throw new InvalidUtf8Error();
    }
    if (tail.length > 0) yield tail;
  } finally {
    stream.destroy();
  }
}

async function readHead(path: string, bytes: number): Promise<Uint8Array> {
  const handle = await open(path, 'r');
  try {
    const head = new Uint8Array(bytes);
    const { bytesRead } = await handle.read(head, 0, bytes, 0);
    return head.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

/**
 * Runs `consume` over the file's decoded chunks. When the file turns out not to be UTF-8,
 * `consume` runs again from the start over a Latin-1 decoding: it must start from fresh state
 * on each call.
 */
export async function withDecodedFile<T>(
  path: string,
  consume: (chunks: AsyncIterable<string>, encoding: TextEncoding) => Promise<T>,
): Promise<T> {
  const bom = detectBom(await readHead(path, 4));
  try {
    return await consume(decodeFile(path, bom.encoding, bom.length), bom.encoding);
  } catch (error) {
    if (!(error instanceof InvalidUtf8Error)) throw error;
    return consume(decodeFile(path, 'windows-1252', 0), 'windows-1252');
  }
}
