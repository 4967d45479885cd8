import type { ListOptions, Page } from './page.js';

/** Who did what to which object, when, under which request. Never a secret. */
export interface AuditEntry {
  id: string;
  tenant_id: string;
  actor: string;
  action: string;
  target_type: string;
  target_id: string | null;
  request_id: string | null;
  ip: string | null;
  details: Record<string, unknown>;
  created_at: string;
}

export type NewAuditEntry = Omit<AuditEntry, 'id' | 'created_at'>;

export interface AuditLog {
  record(entry: NewAuditEntry): Promise<AuditEntry>;
  /** Newest first. */
  list(options: ListOptions): Promise<Page<AuditEntry>>;
}
