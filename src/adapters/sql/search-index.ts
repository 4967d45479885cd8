/**
 * The SearchIndex over the SQL database: the dialect picks the engine (SQLite FTS5 or PostgreSQL
 * tsvector, see migrations/<dialect>/0007-search.ts and 0009); what both share is in
 * sql/search-query.ts. With search off (QUIRE_SEARCH_INDEX=off) no index is written, and every
 * search answers 409 SEARCH_DISABLED.
 */
import { AppError } from '../../errors.js';
import type { SearchIndex } from '../../ports/search-index.js';
import { PLAINTEXT_SEARCHABLE, type ContentPolicy } from './content-cipher.js';
import type { SqlDatabase } from './database.js';
import { clearPostgresIndex, createPostgresSearchIndex } from '../postgres/search-index.js';
import { clearSqliteIndex, createSqliteSearchIndex } from '../sqlite/search-index.js';

function disabled(): Promise<never> {
  return Promise.reject(
    new AppError(
      'SEARCH_DISABLED',
      'Full-text search is turned off on this server (QUIRE_SEARCH_INDEX=off), so that no document text is stored in plaintext',
    ),
  );
}

const DISABLED: SearchIndex = { search: disabled, nearest: disabled };

export function createSqlSearchIndex(
  database: SqlDatabase,
  policy: ContentPolicy = PLAINTEXT_SEARCHABLE,
): SearchIndex {
  if (!policy.searchIndex) return DISABLED;
  return database.dialect === 'postgres'
    ? createPostgresSearchIndex(database, policy.cipher, policy.analyzer)
    : createSqliteSearchIndex(database, policy.cipher, policy.analyzer);
}

/** Empties the full-text index: at start with search off, so no plaintext terms stay behind. */
export async function clearSqlSearchIndex(database: SqlDatabase): Promise<void> {
  if (database.dialect === 'postgres') await clearPostgresIndex(database.db);
  else await clearSqliteIndex(database.db);
}
