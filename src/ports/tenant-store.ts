/** Tenants own every other object: documents, jobs, keys and webhooks all carry a tenant id. */
export interface Tenant {
  id: string;
  name: string;
  created_at: string;
}

export interface NewTenant {
  /** Chosen by the caller (e.g. `default`); generated as `tnt_…` when absent. */
  id?: string;
  name: string;
}

export interface TenantStore {
  /** Creates a tenant; throws AppError CONFLICT when the id is taken. */
  create(input: NewTenant): Promise<Tenant>;
  /** Returns the tenant, creating it when absent; safe to call concurrently. */
  ensure(input: Required<NewTenant>): Promise<Tenant>;
  get(id: string): Promise<Tenant | null>;
}
