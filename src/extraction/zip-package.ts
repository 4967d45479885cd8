/**
 * A zip-based document (OOXML, OpenDocument, EPUB) opened for reading after the same zip-bomb
 * checks as DOCX: the central directory's declared sizes against `maxUnzippedBytes` first, then
 * every entry inflated as a stream and counted, nothing kept, so no part is read whole before the
 * archive is known to unpack within the cap. Parts are then read one at a time, each at most
 * MAX_PART_BYTES (they are held whole as text), and parsed with the tokenizer in xml-events.ts.
 * Also resolves OOXML relationships (`_rels/*.rels`) and package-relative paths.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { posix } from 'node:path';
import type { ExtractionTask } from '../ports/extractor.js';
import { Failure } from '../ports/failures.js';
import { childrenNamed, parseXmlTree, type XmlElement } from './xml-tree.js';
import {
  inflatedSizeWithin,
  readZipDirectory,
  readZipEntry,
  type ZipEntry,
} from './zip-directory.js';

/** A part is held whole as a string (and a sheet's cells as a grid): larger ones are refused. */
export const MAX_PART_BYTES = 64 * 1024 * 1024;

export interface Relationship {
  id: string;
  type: string;
  /** The package path it points at (resolved), or the external URL. */
  target: string;
  external: boolean;
}

/** `target` (a relative URI) resolved against the folder of `basePart`; package paths have no leading `/`. */
export function resolvePartPath(basePart: string, target: string): string {
  let decoded = target.split('#')[0] ?? '';
  try {
    decoded = decodeURIComponent(decoded);
  } catch {
    // Keep it as written: a malformed escape is a name like any other.
  }
  const joined = decoded.startsWith('/')
    ? decoded
    : posix.join('/', posix.dirname(basePart), decoded);
  return posix.normalize(joined).replace(/^\/+/, '');
}

function decodePart(bytes: Buffer): string {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return bytes.toString('utf16le', 2);
  if (bytes[0] === 0xfe && bytes[1] === 0xff)
    return Buffer.from(bytes.subarray(2)).swap16().toString('utf16le');
  const text = bytes.toString('utf8');
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

export class ZipPackage {
  private constructor(
    private readonly handle: FileHandle,
    private readonly entries: Map<string, ZipEntry>,
    /** The format's name in messages (`XLSX`, `EPUB`, …). */
    readonly format: string,
  ) {}

  /**
   * Opens `task.path` as a `format` package, refusing zip bombs (PAYLOAD_TOO_LARGE) and files
   * that are not zips (DOCUMENT_CORRUPT) before any part is read; runs `read` and closes it.
   */
  static async read<T>(
    task: ExtractionTask,
    format: string,
    read: (zip: ZipPackage) => Promise<T>,
  ): Promise<T> {
    const handle = await open(task.path, 'r');
    try {
      const directory = await readZipDirectory(handle);
      const limit = task.limits.maxUnzippedBytes;
      if (directory.totalUncompressed > limit) {
        throw new Failure(
          'PAYLOAD_TOO_LARGE',
          `The ${format} unpacks to ${directory.totalUncompressed} bytes, above the ${limit}-byte limit`,
        );
      }
      if ((await inflatedSizeWithin(task.path, handle, directory, limit)) === null) {
        throw new Failure(
          'PAYLOAD_TOO_LARGE',
          `The ${format} unpacks to more than the ${limit}-byte limit (its zip declares only ${directory.totalUncompressed})`,
        );
      }
      const entries = new Map(directory.entries.map((entry) => [entry.name, entry]));
      return await read(new ZipPackage(handle, entries, format));
    } finally {
      await handle.close();
    }
  }

  has(part: string): boolean {
    return this.entries.has(part);
  }

  /** Entry names, in the archive's order. */
  get names(): string[] {
    return [...this.entries.keys()];
  }

  /** The part's text, or null when the package has no such part. */
  async text(part: string): Promise<string | null> {
    const entry = this.entries.get(part);
    if (entry === undefined) return null;
    if (entry.uncompressedSize > MAX_PART_BYTES) {
      throw new Failure(
        'PAYLOAD_TOO_LARGE',
        `The ${this.format}'s ${part} is ${entry.uncompressedSize} bytes; parts are read whole, up to ${MAX_PART_BYTES}`,
      );
    }
    const bytes = await readZipEntry(this.handle, entry, MAX_PART_BYTES);
    if (bytes === null) {
      throw new Failure(
        (entry.flags & 1) !== 0 ? 'DOCUMENT_ENCRYPTED' : 'DOCUMENT_CORRUPT',
        (entry.flags & 1) !== 0
          ? `The ${this.format}'s ${part} is encrypted`
          : `The ${this.format}'s ${part} cannot be read (damaged, larger than it declares, or compressed in an unknown way)`,
      );
    }
    return decodePart(bytes);
  }

  /** The part parsed as an element tree, or null when absent. */
  async xml(part: string): Promise<XmlElement | null> {
    const text = await this.text(part);
    return text === null ? null : parseXmlTree(text, `${this.format} part ${part}`);
  }

  /** The part parsed as an element tree; DOCUMENT_CORRUPT when absent. */
  async requireXml(part: string): Promise<XmlElement> {
    const tree = await this.xml(part);
    if (tree === null) {
      throw new Failure('DOCUMENT_CORRUPT', `Not a ${this.format}: the zip has no ${part}`);
    }
    return tree;
  }

  /** The relationships of `part` ('' for the package's own), from its `_rels` part. */
  async relationships(part: string): Promise<Relationship[]> {
    const relsPath =
      part === ''
        ? '_rels/.rels'
        : posix.join(posix.dirname(part), '_rels', `${posix.basename(part)}.rels`);
    const tree = await this.xml(relsPath.replace(/^\.\//, ''));
    if (tree === null) return [];
    const root = childrenNamed(tree, 'Relationships')[0];
    if (root === undefined) return [];
    return childrenNamed(root, 'Relationship').map(({ attributes }) => {
      const external = attributes.TargetMode === 'External';
      const target = attributes.Target ?? '';
      return {
        id: attributes.Id ?? '',
        type: attributes.Type ?? '',
        target: external ? target : resolvePartPath(part, target),
        external,
      };
    });
  }

  /** The OOXML package's main part (the officeDocument relationship's target). */
  async mainPart(): Promise<string> {
    const main = (await this.relationships('')).find((relationship) =>
      relationship.type.endsWith('/officeDocument'),
    );
    if (main === undefined || main.external || !this.has(main.target)) {
      throw new Failure('DOCUMENT_CORRUPT', `Not a ${this.format}: the zip names no main part`);
    }
    return main.target;
  }
}
