/**
 * What a document is, from its first bytes and its name. A byte-order mark is looked at first:
 * UTF-16 text starts with bytes file-type reads as magic (FF FE is an MPEG frame sync), so text
 * with a BOM that decodes to text is text. Then file-type recognises binary formats by magic
 * bytes (it says nothing about text formats, and labels `%PDF` + garbage as PDF, which the
 * extractor then reports as corrupt). What is left is text if it decodes as UTF-8, or else as
 * Latin-1 (windows-1252), to characters that text is made of: NULs or more than a few control
 * characters mean binary, whatever its extension says. Text is typed by extension, with a look
 * at the content for HTML.
 */
import { fileTypeFromBuffer } from 'file-type';
import { extname } from 'node:path';
import type { SupportedMediaType } from '../ports/extractor.js';

const BY_EXTENSION: Record<string, SupportedMediaType> = {
  '.md': 'text/markdown',
  '.markdown': 'text/markdown',
  '.csv': 'text/csv',
  '.json': 'application/json',
  '.html': 'text/html',
  '.htm': 'text/html',
  '.txt': 'text/plain',
  '.text': 'text/plain',
  '.log': 'text/plain',
  '.eml': 'message/rfc822',
};

/** Binary formats file-type recognises that are extracted as they are. */
const BY_DETECTED_MIME: Record<string, SupportedMediaType> = {
  'image/png': 'image/png',
  'image/jpeg': 'image/jpeg',
  'image/tiff': 'image/tiff',
  'image/webp': 'image/webp',
  'application/rtf': 'application/rtf',
};

/** OLE2 compound files (file-type's `cfb`) are told apart by their extension. */
const LEGACY_OFFICE_BY_EXTENSION: Record<string, SupportedMediaType> = {
  '.doc': 'application/msword',
  '.dot': 'application/msword',
  '.xls': 'application/vnd.ms-excel',
  '.xlt': 'application/vnd.ms-excel',
  '.ppt': 'application/vnd.ms-powerpoint',
  '.pps': 'application/vnd.ms-powerpoint',
};

/** Zip-based formats by file-type's `ext` (also their file extension). */
const ZIP_FORMATS = new Map<string, SupportedMediaType>([
  ['docx', 'application/vnd.openxmlformats-officedocument.wordprocessingml.document'],
  ['pptx', 'application/vnd.openxmlformats-officedocument.presentationml.presentation'],
  ['xlsx', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'],
  ['odt', 'application/vnd.oasis.opendocument.text'],
  ['ods', 'application/vnd.oasis.opendocument.spreadsheet'],
  ['odp', 'application/vnd.oasis.opendocument.presentation'],
  ['epub', 'application/epub+zip'],
]);

type TextEncoding = 'utf-8' | 'utf-16le' | 'utf-16be' | 'windows-1252';

/** The encoding a byte-order mark announces, and the mark's length. */
function byteOrderMark(head: Uint8Array): { encoding: TextEncoding; length: number } | null {
  if (head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf)
    return { encoding: 'utf-8', length: 3 };
  if (head[0] === 0xff && head[1] === 0xfe) return { encoding: 'utf-16le', length: 2 };
  if (head[0] === 0xfe && head[1] === 0xff) return { encoding: 'utf-16be', length: 2 };
  return null;
}

/** `bytes` decoded, or null when they are not in `encoding` (a character cut at the end is dropped). */
function decodeHead(bytes: Uint8Array, encoding: TextEncoding): string | null {
  if (encoding !== 'utf-8') {
    // UTF-16 and windows-1252 decode anything; a lone surrogate becomes U+FFFD, counted below.
    const whole = encoding === 'windows-1252' ? bytes.length : bytes.length & ~1;
    return new TextDecoder(encoding, { ignoreBOM: true }).decode(bytes.subarray(0, whole));
  }
  // A multi-byte character may be cut at the end of the head: drop up to 3 trailing bytes.
  for (let cut = 0; cut <= 3 && cut <= bytes.length; cut++) {
    try {
      return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(
        bytes.subarray(0, bytes.length - cut),
      );
    } catch {
      continue;
    }
  }
  return null;
}

/** The share of stray characters past which decoded bytes are not text. */
const MAX_STRAY_SHARE = 0.01;

/**
 * Characters text has no use for: C0 controls but tab, line ends, form feed and escape; DEL and
 * the C1 controls; U+FFFD (what a broken encoding decodes to).
 */
function isStray(code: number): boolean {
  if (code < 0x20)
    return (
      code !== 0x09 &&
      code !== 0x0a &&
      code !== 0x0c &&
      code !== 0x0d &&
      code !== 0x1b &&
      code !== 0x0b
    );
  return (code >= 0x7f && code <= 0x9f) || code === 0xfffd;
}

function readsAsText(text: string): boolean {
  if (text.includes('\u0000')) return false;
  let stray = 0;
  for (let index = 0; index < text.length; index++) if (isStray(text.charCodeAt(index))) stray++;
  // One stray character in a short head (a cut surrogate, a lone control) is tolerated.
  return stray <= 1 || stray <= text.length * MAX_STRAY_SHARE;
}

/**
 * An RFC 822 message: its first lines are header fields up to a blank line, among them From and
 * at least one other a message always has.
 */
function looksLikeEmail(text: string): boolean {
  const end = text.search(/\r?\n\r?\n/);
  if (end <= 0) return false;
  const names = new Set<string>();
  for (const line of text.slice(0, end).split(/\r?\n/)) {
    if (/^[ \t]/.test(line)) continue; // a folded continuation
    const field = /^([!-9;-~]+):/.exec(line);
    if (field?.[1] === undefined) return false;
    names.add(field[1].toLowerCase());
  }
  return (
    names.has('from') &&
    ['date', 'subject', 'message-id', 'mime-version'].some((name) => names.has(name))
  );
}

function looksLikeHtml(text: string): boolean {
  const start = text.slice(0, 512).trimStart().toLowerCase();
  return start.startsWith('<!doctype html') || start.startsWith('<html');
}

export type Sniffed = { mediaType: SupportedMediaType } | { unsupported: string };

function textType(text: string, extension: string): Sniffed {
  const byExtension = BY_EXTENSION[extension];
  if (byExtension !== undefined) return { mediaType: byExtension };
  if (looksLikeHtml(text)) return { mediaType: 'text/html' };
  if (looksLikeEmail(text)) return { mediaType: 'message/rfc822' };
  return { mediaType: 'text/plain' };
}

/** `head` is the first bytes of the file (64 KiB is plenty); `filename` may be empty. */
export async function sniffMediaType(head: Uint8Array, filename: string): Promise<Sniffed> {
  const extension = extname(filename).toLowerCase();
  const bom = byteOrderMark(head);
  if (bom !== null) {
    const text = decodeHead(head.subarray(bom.length), bom.encoding);
    if (text !== null && readsAsText(text)) return textType(text, extension);
  }
  const detected = await fileTypeFromBuffer(head);
  if (detected !== undefined) {
    if (detected.mime === 'application/pdf') return { mediaType: 'application/pdf' };
    // A zip-based format is typed by its content (file-type reads [Content_Types].xml and the
    // `mimetype` entry); one whose telling entries lie past the head is only seen as a zip, and
    // then the extension decides (the extractor checks the real structure).
    const zipBased =
      ZIP_FORMATS.get(detected.ext) ??
      (detected.ext === 'zip' ? ZIP_FORMATS.get(extension.slice(1)) : undefined);
    if (zipBased !== undefined) return { mediaType: zipBased };
    const extracted = BY_DETECTED_MIME[detected.mime];
    if (extracted !== undefined) return { mediaType: extracted };
    const legacyOffice = LEGACY_OFFICE_BY_EXTENSION[extension];
    if (detected.ext === 'cfb' && legacyOffice !== undefined) return { mediaType: legacyOffice };
    return { unsupported: detected.mime };
  }
  for (const encoding of ['utf-8', 'windows-1252'] as const) {
    const text = decodeHead(head, encoding);
    if (text !== null && readsAsText(text)) return textType(text, extension);
  }
  return { unsupported: 'application/octet-stream' };
}
