/** The SQL unit of work passes the UnitOfWork contract on both dialects. */
import { DATABASE_TARGETS, openUnitOfWork } from '../helpers/databases.js';
import { unitOfWorkContract } from './unit-of-work.contract.js';

for (const target of DATABASE_TARGETS) {
  unitOfWorkContract({ name: `SQL (${target.name})`, create: () => openUnitOfWork(target) });
}
