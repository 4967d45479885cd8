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
