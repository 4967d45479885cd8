/**
 * Client-supplied filenames are display names only (blobs are stored by hash), but they come back
 * in Content-Disposition and logs: keep the last path segment, drop control and bidi characters,
 * never `.`/`..`, at most 255 UTF-8 bytes with the extension kept.
 */
// eslint-disable-next-line no-control-regex -- stripping control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
const MAX_BYTES = 255;

export function sanitizeFilename(raw: string | undefined, fallback = 'document'): string {
  const lastSegment = (raw ?? '').split(/[\\/]/).pop() ?? '';
  let name = lastSegment
    .replace(CONTROL, '')
    .replace(/^[.\s]+/, '')
    .trim();
  if (name === '' || name === '.' || name === '..') name = fallback;
  if (Buffer.byteLength(name) <= MAX_BYTES) return name;
  const dot = name.lastIndexOf('.');
  const extension = dot > 0 && name.length - dot <= 16 ? name.slice(dot) : '';
  let stem = name.slice(0, name.length - extension.length);
  while (Buffer.byteLength(stem + extension) > MAX_BYTES) stem = [...stem].slice(0, -1).join('');
  return stem + extension;
}
