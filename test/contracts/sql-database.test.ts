/** The SQL base itself, on both dialects: migrations, transactions, ping, close. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { withTransaction } from '../../src/adapters/sql/database.js';
import { migrateToLatest } from '../../src/adapters/sql/migrate.js';
import { postgresMigrations } from '../../src/migrations/postgres/index.js';
import { sqliteMigrations } from '../../src/migrations/sqlite/index.js';
import { DATABASE_TARGETS, type DatabaseFixture } from '../helpers/databases.js';

for (const target of DATABASE_TARGETS) {
  describe(`SQL database: ${target.name}`, () => {
    let fixture: DatabaseFixture;
    before(async () => {
      fixture = await target.open();
    });
    after(() => fixture.dispose());

    it('reports its dialect and answers a ping', async () => {
      assert.equal(fixture.database.dialect, target.name);
      await fixture.database.ping(AbortSignal.timeout(1000));
    });

    it('re-running migrations applies nothing twice', async () => {
      assert.deepEqual(await migrateToLatest(fixture.database), { applied: [] });
      const { rows } = await sql<{ n: number }>`select count(*) as n from kysely_migration`.execute(
        fixture.database.db,
      );
      assert.equal(
        Number(rows[0]?.n),
        Object.keys(target.name === 'sqlite' ? sqliteMigrations : postgresMigrations).length,
      );
    });

    it('commits a transaction that resolves', async () => {
      await withTransaction(fixture.database, async (trx) => {
        await trx
          .insertInto('tenants')
          .values({ id: 'tx-ok', name: 'ok', created_at: new Date().toISOString() })
          .execute();
      });
      const row = await fixture.database.db
        .selectFrom('tenants')
        .select('id')
        .where('id', '=', 'tx-ok')
        .executeTakeFirst();
      assert.equal(row?.id, 'tx-ok');
    });

    it('rolls back a transaction that throws', async () => {
      await assert.rejects(
        withTransaction(fixture.database, async (trx) => {
          await trx
            .insertInto('tenants')
            .values({ id: 'tx-no', name: 'no', created_at: new Date().toISOString() })
            .execute();
          throw new Error('abort');
        }),
        /abort/,
      );
      const row = await fixture.database.db
        .selectFrom('tenants')
        .select('id')
        .where('id', '=', 'tx-no')
        .executeTakeFirst();
      assert.equal(row, undefined);
    });
  });
}
