/**
 * What a document is, from its first bytes and its name. file-type recognises binary formats by
 * magic bytes but says nothing about text formats (and labels `%PDF` + garbage as PDF, which the
 * extractor then reports as corrupt); text is recognised by decoding the head as UTF-8 (or a
 * UTF-16 BOM) and typed by extension, with a look at the content for HTML and JSON.
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
};

/** Extensions whose files may be Latin-1 rather than UTF-8 (accepted, decoded as Latin-1 later). */
const LEGACY_TEXT_EXTENSIONS = new Set(['.txt', '.text', '.csv', '.log']);

function isUtf8Text(head: Uint8Array): boolean {
  // A multi-byte character may be cut at the end of the head: drop up to 3 trailing bytes.
  for (let cut = 0; cut <= 3 && cut <= head.length; cut++) {
    try {
      const text = new TextDecoder('utf-8', { fatal: true }).decode(
        head.subarray(0, head.length - cut),
      );
      // NUL bytes mean binary, whatever decodes.
      return !text.includes('\u0000');
    } catch {
      continue;
    }
  }
  return false;
}

function hasUtf16Bom(head: Uint8Array): boolean {
  return (
    head.length >= 2 &&
    ((head[0] === 0xff && head[1] === 0xfe) || (head[0] === 0xfe && head[1] === 0xff))
  );
}

function looksLikeHtml(head: Uint8Array): boolean {
  const start = new TextDecoder().decode(head.subarray(0, 512)).trimStart().toLowerCase();
  return start.startsWith('<!doctype html') || start.startsWith('<html');
}

export type Sniffed = { mediaType: SupportedMediaType } | { unsupported: string };

/** `head` is the first bytes of the file (64 KiB is plenty); `filename` may be empty. */
export async function sniffMediaType(head: Uint8Array, filename: string): Promise<Sniffed> {
  const extension = extname(filename).toLowerCase();
  const detected = await fileTypeFromBuffer(head);
  if (detected !== undefined) {
    if (detected.mime === 'application/pdf') return { mediaType: 'application/pdf' };
    // A DOCX whose word/ entries lie past the head is only seen as a zip: trust the extension
    // (the extractor checks the real structure).
    if (detected.ext === 'docx' || (detected.ext === 'zip' && extension === '.docx')) {
      return {
        mediaType: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
      };
    }
    return { unsupported: detected.mime };
  }
  const byExtension = BY_EXTENSION[extension];
  if (isUtf8Text(head) || hasUtf16Bom(head)) {
    if (byExtension !== undefined) return { mediaType: byExtension };
    if (looksLikeHtml(head)) return { mediaType: 'text/html' };
    return { mediaType: 'text/plain' };
  }
  if (LEGACY_TEXT_EXTENSIONS.has(extension) && byExtension !== undefined)
    return { mediaType: byExtension };
  return { unsupported: 'application/octet-stream' };
}
