import type { Page } from '../../ports/page.js';

/** Turns `limit + 1` rows, newest first, into a page whose cursor is the last id shown. */
export function pageOf<T extends { id: string }>(rows: T[], limit: number): Page<T> {
  const data = rows.slice(0, limit);
  const last = data[data.length - 1];
  return { data, next_cursor: rows.length > limit && last !== undefined ? last.id : null };
}
