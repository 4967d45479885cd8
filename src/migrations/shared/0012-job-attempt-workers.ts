import { sql, type Kysely, type Migration } from 'kysely';

/**
 * Which worker ran each attempt of a job: `attempt_workers` holds one worker id per attempt, in
 * order, each ended by a newline (worker ids are `host:pid:suffix` and never hold one). A claim
 * appends with `||`, which SQLite and PostgreSQL both have, inside the same conditional update
 * that counts the attempt, so the list and `attempts` never disagree. Jobs made before this
 * migration keep an empty list for the attempts they already had.
 */
export const migration = (): Migration => ({
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .alterTable('jobs')
      .addColumn('attempt_workers', 'text', (column) => column.notNull().defaultTo(sql`''`))
      .execute();
  },

  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('jobs').dropColumn('attempt_workers').execute();
  },
});
