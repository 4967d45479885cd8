/** A page of a list, newest first, and the cursor that continues it. */
export interface Page<T> {
  data: T[];
  next_cursor: string | null;
}

export interface ListOptions {
  /** Only this tenant's entries; all tenants when absent (administration). */
  tenantId?: string;
  limit: number;
  /** The last id of the previous page. */
  after?: string;
}
