import { sql, type Kysely, type Migration } from 'kysely';

/**
 * Encryption at rest beyond the content (adapters/sql/content-cipher.ts): a document's extracted
 * metadata and a webhook delivery's event data say how they are stored (`*_sealing`: 0 plaintext,
 * as every row written before, 1 AES-256-GCM), and a job's secret payload fields (an encrypted
 * PDF's password, a fetch's request headers) move to their own column, `secrets`, which is sealed
 * with a key and emptied once the job has finished.
 *
 * Existing jobs: a finished job's secrets are dropped (nothing needs them any more); an unfinished
 * one's move to `secrets` as plaintext (sealing 0), to be forgotten when it finishes. Done in
 * TypeScript, alike on both dialects, over the few rows whose payload names a secret field.
 */
const SECRET_FIELDS = ['password', 'headers'];
const FINISHED = ['succeeded', 'failed', 'dead', 'cancelled'];

interface JobRow {
  id: string;
  status: string;
  payload: string;
}

export const migration = (): Migration => ({
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .alterTable('documents')
      .addColumn('extracted_sealing', 'integer', (column) => column.notNull().defaultTo(0))
      .execute();
    await db.schema
      .alterTable('webhook_deliveries')
      .addColumn('data_sealing', 'integer', (column) => column.notNull().defaultTo(0))
      .execute();
    await db.schema.alterTable('jobs').addColumn('secrets', 'text').execute();
    await db.schema
      .alterTable('jobs')
      .addColumn('secrets_sealing', 'integer', (column) => column.notNull().defaultTo(0))
      .execute();

    const { rows } = await sql<JobRow>`select id, status, payload from jobs
      where payload like '%"password"%' or payload like '%"headers"%'`.execute(db);
    for (const row of rows) {
      const payload = JSON.parse(row.payload) as Record<string, unknown>;
      const secrets = Object.fromEntries(
        SECRET_FIELDS.filter((field) => field in payload).map((field) => [field, payload[field]]),
      );
      if (Object.keys(secrets).length === 0) continue;
      for (const field of SECRET_FIELDS) delete payload[field];
      const kept = FINISHED.includes(row.status) ? null : JSON.stringify(secrets);
      await sql`update jobs set payload = ${JSON.stringify(payload)}, secrets = ${kept}
        where id = ${row.id}`.execute(db);
    }
  },

  async down(db: Kysely<unknown>): Promise<void> {
    // Plaintext secrets go back into the payload; sealed ones cannot be read here and are lost.
    const { rows } = await sql<JobRow & { secrets: string }>`select id, status, payload, secrets
      from jobs where secrets is not null and secrets_sealing = 0`.execute(db);
    for (const row of rows) {
      const payload = { ...JSON.parse(row.payload), ...JSON.parse(row.secrets) } as object;
      await sql`update jobs set payload = ${JSON.stringify(payload)} where id = ${row.id}`.execute(
        db,
      );
    }
    // Sealed metadata and event data cannot be read without the key: empty them.
    await sql`update documents set extracted = '{"word_count":0}' where extracted_sealing <> 0`.execute(
      db,
    );
    await sql`update webhook_deliveries set data = '{}' where data_sealing <> 0`.execute(db);
    await db.schema.alterTable('jobs').dropColumn('secrets_sealing').execute();
    await db.schema.alterTable('jobs').dropColumn('secrets').execute();
    await db.schema.alterTable('webhook_deliveries').dropColumn('data_sealing').execute();
    await db.schema.alterTable('documents').dropColumn('extracted_sealing').execute();
  },
});
