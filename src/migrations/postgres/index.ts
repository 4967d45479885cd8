import type { Migration } from 'kysely';
import * as tenants from './0001-tenants.js';

/** Applied in key order; never edit one that has shipped, add the next instead. */
export const postgresMigrations: Record<string, Migration> = {
  '0001-tenants': tenants,
};
