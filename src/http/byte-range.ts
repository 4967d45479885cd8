/** `Range: bytes=…` for one range (RFC 9110). Several ranges are answered whole (allowed). */
import { AppError } from '../errors.js';
import type { ByteRange } from '../ports/blob-store.js';

/** The range to serve, null to serve everything; throws RANGE_NOT_SATISFIABLE. */
export function parseRange(header: string | undefined, size: number): ByteRange | null {
  if (header === undefined) return null;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (match === null) return null; // unknown unit or several ranges: the whole file
  const [, first = '', last = ''] = match;
  let start: number;
  let end: number;
  if (first === '') {
    if (last === '') return null;
    const suffix = Number(last);
    if (suffix === 0) throw unsatisfiable(size);
    start = Math.max(0, size - suffix);
    end = size - 1;
  } else {
    start = Number(first);
    end = last === '' ? size - 1 : Math.min(Number(last), size - 1);
    if (last !== '' && Number(last) < start) return null; // syntactically invalid: ignore
  }
  if (!Number.isSafeInteger(start) || start >= size) throw unsatisfiable(size);
  return { start, end };
}

function unsatisfiable(size: number): AppError {
  return new AppError('RANGE_NOT_SATISFIABLE', `The file has ${size} bytes`, {
    headers: { 'content-range': `bytes */${size}` },
  });
}

/** RFC 6266 attachment with an ASCII fallback and the UTF-8 name in filename*. */
export function contentDisposition(filename: string): string {
  const fallback = filename.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
  const encoded = encodeURIComponent(filename).replace(
    /['()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `attachment; filename="${fallback}"; filename*=UTF-8''${encoded}`;
}

/**
 * Whether a Range may be honoured under `If-Range` (RFC 9110 §13.1.5): without the header it may;
 * an entity tag must equal the current strong ETag (a weak one never does); a date would need a
 * Last-Modified, which these answers do not carry, so it never matches. When it does not match the
 * Range is ignored and the whole representation is sent (200).
 */
export function ifRangeMatches(ifRange: string | string[] | undefined, etag: string): boolean {
  return ifRange === undefined || (typeof ifRange === 'string' && ifRange.trim() === etag);
}

/** Whether an If-None-Match header matches a strong ETag. */
export function etagMatches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (ifNoneMatch === undefined) return false;
  return ifNoneMatch.split(',').some((candidate) => {
    const value = candidate.trim();
    return value === '*' || value === etag || value === `W/${etag}`;
  });
}
