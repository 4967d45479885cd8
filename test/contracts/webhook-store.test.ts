/** The SQL webhook store passes the WebhookStore contract on both dialects. */
import { DATABASE_TARGETS, openUnitOfWork } from '../helpers/databases.js';
import { webhookStoreContract } from './webhook-store.contract.js';

for (const target of DATABASE_TARGETS) {
  webhookStoreContract({ name: `SQL (${target.name})`, open: () => openUnitOfWork(target) });
}
