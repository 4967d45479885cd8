/** Opaque pagination cursors: clients pass back what they were given; anything else is a 400. */
import { AppError } from '../errors.js';

const ID = /^[a-z]{2,8}_[0-9a-z]{26}$/;

export function encodeCursor(id: string | null): string | null {
  return id === null ? null : Buffer.from(`v1:${id}`).toString('base64url');
}

export function decodeCursor(cursor: string | undefined): string | undefined {
  if (cursor === undefined) return undefined;
  const decoded = Buffer.from(cursor, 'base64url').toString('utf8');
  const id = decoded.startsWith('v1:') ? decoded.slice(3) : '';
  if (!ID.test(id)) {
    throw new AppError('VALIDATION_FAILED', 'cursor is not one this API returned', {
      errors: [{ path: '/querystring/cursor', message: 'is not a valid cursor' }],
    });
  }
  return id;
}

/** A keyset cursor for sorted lists: the sort it belongs to, the last value and id shown. */
export function encodeKeysetCursor(
  sort: string,
  position: { value: string | number; id: string } | null,
): string | null {
  return position === null
    ? null
    : Buffer.from(JSON.stringify({ s: sort, v: position.value, i: position.id })).toString(
        'base64url',
      );
}

export function decodeKeysetCursor(
  cursor: string | undefined,
  sort: string,
): { value: string | number; id: string } | undefined {
  if (cursor === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    parsed = null;
  }
  const { s, v, i } = (parsed ?? {}) as { s?: unknown; v?: unknown; i?: unknown };
  if (
    s !== sort ||
    typeof i !== 'string' ||
    !ID.test(i) ||
    (typeof v !== 'string' && typeof v !== 'number')
  ) {
    throw new AppError('VALIDATION_FAILED', 'cursor is not one this API returned for this sort', {
      errors: [{ path: '/querystring/cursor', message: 'is not a valid cursor for this sort' }],
    });
  }
  return { value: v, id: i };
}
