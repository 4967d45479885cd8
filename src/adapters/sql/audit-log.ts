import { newId } from '../../shared/ids.js';
import type { AuditEntry, AuditLog } from '../../ports/audit-log.js';
import type { SqlDatabase } from './database.js';
import type { AuditLogTable } from './schema.js';
import { pageOf } from './paging.js';

function toEntry(row: AuditLogTable): AuditEntry {
  return { ...row, details: JSON.parse(row.details) as Record<string, unknown> };
}

export function createSqlAuditLog({ db }: SqlDatabase): AuditLog {
  return {
    async record(entry) {
      const row: AuditLogTable = {
        ...entry,
        id: newId('aud', Date.now()),
        details: JSON.stringify(entry.details),
        created_at: new Date().toISOString(),
      };
      await db.insertInto('audit_log').values(row).execute();
      return toEntry(row);
    },

    async list({ tenantId, limit, after }) {
      let query = db
        .selectFrom('audit_log')
        .selectAll()
        .orderBy('id', 'desc')
        .limit(limit + 1);
      if (tenantId !== undefined) query = query.where('tenant_id', '=', tenantId);
      if (after !== undefined) query = query.where('id', '<', after);
      return pageOf((await query.execute()).map(toEntry), limit);
    },
  };
}
