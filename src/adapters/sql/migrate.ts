/**
 * Applies the dialect's migrations in order. Kysely's migrator takes a lock table, so several
 * processes starting at once against one PostgreSQL apply each migration exactly once.
 */
import { Migrator, type Kysely, type Migration, type MigrationResult } from 'kysely';
import { postgresMigrations } from '../../migrations/postgres/index.js';
import { sqliteMigrations } from '../../migrations/sqlite/index.js';
import type { Dialect, SqlDatabase } from './database.js';

const MIGRATIONS: Record<Dialect, Record<string, Migration>> = {
  sqlite: sqliteMigrations,
  postgres: postgresMigrations,
};

export class MigrationError extends Error {
  constructor(
    readonly migration: string | undefined,
    cause: unknown,
  ) {
    super(
      `migration ${migration ?? '(setup)'} failed: ${(cause as Error)?.message ?? String(cause)}`,
      {
        cause,
      },
    );
    this.name = 'MigrationError';
  }
}

export interface MigrationReport {
  applied: string[];
}

export async function migrateToLatest(database: SqlDatabase): Promise<MigrationReport> {
  const migrator = new Migrator({
    db: database.db as unknown as Kysely<unknown>,
    provider: { getMigrations: async () => MIGRATIONS[database.dialect] },
  });
  const { error, results = [] } = await migrator.migrateToLatest();
  const failed = results.find((result: MigrationResult) => result.status === 'Error');
  if (error !== undefined) throw new MigrationError(failed?.migrationName, error);
  return {
    applied: results
      .filter((result: MigrationResult) => result.status === 'Success')
      .map((result) => result.migrationName),
  };
}
