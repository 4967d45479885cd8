/** The SQL audit log passes the AuditLog contract on both dialects. */
import { createSqlAuditLog } from '../../src/adapters/sql/audit-log.js';
import { DATABASE_TARGETS } from '../helpers/databases.js';
import { auditLogContract } from './audit-log.contract.js';

for (const target of DATABASE_TARGETS) {
  auditLogContract({
    name: `SQL (${target.name})`,
    async create() {
      const fixture = await target.open();
      return { audit: createSqlAuditLog(fixture.database), dispose: () => fixture.dispose() };
    },
  });
}
