/**
 * The SearchIndex over the SQL database: the dialect picks the engine (SQLite FTS5 or PostgreSQL
 * tsvector, see migrations/<dialect>/0007-search.ts); what both share is in sql/search-query.ts.
 */
import type { SearchIndex } from '../../ports/search-index.js';
import type { SqlDatabase } from './database.js';
import { createPostgresSearchIndex } from '../postgres/search-index.js';
import { createSqliteSearchIndex } from '../sqlite/search-index.js';

export function createSqlSearchIndex(database: SqlDatabase): SearchIndex {
  return database.dialect === 'postgres'
    ? createPostgresSearchIndex(database)
    : createSqliteSearchIndex(database);
}
