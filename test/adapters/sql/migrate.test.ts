/**
 * Migrations on PostgreSQL while other schemas of the same database come and go (other
 * deployments, other test runs): Kysely's introspection reads every schema's catalog, and a
 * schema dropped at that moment used to fail our migration with "schema … does not exist".
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import pg from 'pg';
import { migrateToLatest } from '../../../src/adapters/sql/migrate.js';
import { openPostgres } from '../../../src/adapters/postgres/database.js';
import { createPostgresSchema, TEST_POSTGRES_URL } from '../../helpers/databases.js';

/** Creates and drops schemas with a serial column (what the introspection looks up) until stopped. */
async function churn(stop: AbortSignal): Promise<number> {
  const client = new pg.Client({ connectionString: TEST_POSTGRES_URL });
  await client.connect();
  let dropped = 0;
  try {
    while (!stop.aborted) {
      const name = `quire_churn_${randomBytes(6).toString('hex')}`;
      await client.query(`create schema ${name}`);
      await client.query(`create table ${name}.t (id serial primary key, a int, b text)`);
      await client.query(`drop schema ${name} cascade`);
      dropped++;
      // Another deployment's pace, not a flood: some introspections still meet a drop.
      await new Promise((resolve) => setTimeout(resolve, 15));
    }
  } finally {
    await client.end();
  }
  return dropped;
}

describe('PostgreSQL migrations beside other schemas', { timeout: 120_000 }, () => {
  it('migrate while other schemas are created and dropped around them', async () => {
    const stop = new AbortController();
    const churners = [churn(stop.signal)];
    try {
      for (let run = 0; run < 12; run++) {
        const schema = await createPostgresSchema();
        const database = openPostgres({ url: schema.url, poolMax: 2, connectTimeoutMs: 5000 });
        try {
          const { applied } = await migrateToLatest(database);
          assert.ok(applied.length > 0, 'the migrations ran');
        } finally {
          await database.close();
          await schema.drop();
        }
      }
    } finally {
      stop.abort();
    }
    const dropped = (await Promise.all(churners)).reduce((sum, count) => sum + count, 0);
    assert.ok(dropped > 0, 'other schemas were dropped meanwhile');
  });
});
