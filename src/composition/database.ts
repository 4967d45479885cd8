import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { openPostgres } from '../adapters/postgres/database.js';
import { openSqlite } from '../adapters/sqlite/database.js';
import type { SqlDatabase, StatementObserver } from '../adapters/sql/database.js';

/** PostgreSQL when QUIRE_DATABASE_URL is set, else the SQLite file in the data directory. */
export function openDatabase(
  config: Config,
  logger?: Logger,
  onStatement?: StatementObserver,
): SqlDatabase {
  const observed = onStatement === undefined ? {} : { onStatement };
  if (config.databaseUrl !== undefined) {
    return openPostgres({
      url: config.databaseUrl,
      poolMax: config.databasePoolMax,
      connectTimeoutMs: config.readyCheckTimeoutMs,
      ...(logger === undefined ? {} : { logger }),
      ...observed,
    });
  }
  return openSqlite({ filename: join(config.dataDir, 'quire.db'), ...observed });
}
