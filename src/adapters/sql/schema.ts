/**
 * The tables as Kysely sees them. Both dialects hand back the same JS shapes: times are
 * RFC 3339 strings (PostgreSQL's timestamptz is converted by the pg type parsers).
 */
import type { ColumnType, Generated } from 'kysely';

export interface TenantsTable {
  id: string;
  name: string;
  created_at: string;
}

export interface ApiKeysTable {
  id: string;
  tenant_id: string;
  name: string;
  prefix: string;
  key_hash: string;
  /** JSON array of scopes. */
  scopes: string;
  rate_tier: string;
  expires_at: string | null;
  created_at: string;
  revoked_at: string | null;
}

export interface AuditLogTable {
  id: string;
  tenant_id: string;
  actor: string;
  action: string;
  target_type: string;
  target_id: string | null;
  request_id: string | null;
  ip: string | null;
  /** JSON object. */
  details: string;
  created_at: string;
}

export interface IdempotencyKeysTable {
  tenant_id: string;
  /** The client's Idempotency-Key, opaque (1–255 characters). */
  key: string;
  /** `in_progress` while the first request runs, then `completed`. */
  state: 'in_progress' | 'completed';
  request_hash: string;
  /** JSON StoredResponse once completed, else null. */
  response: string | null;
  created_at: string;
  expires_at: string;
}

export interface DatabaseSchema {
  tenants: TenantsTable;
  api_keys: ApiKeysTable;
  audit_log: AuditLogTable;
  idempotency_keys: IdempotencyKeysTable;
  documents: DocumentsTable;
  document_tags: DocumentTagsTable;
  blob_refs: BlobRefsTable;
  jobs: JobsTable;
  document_pages: DocumentPagesTable;
  staged_pages: StagedPagesTable;
  passages: PassagesTable;
  passage_vectors: PassageVectorsTable;
  webhooks: WebhooksTable;
  webhook_deliveries: WebhookDeliveriesTable;
  deployment: DeploymentTable;
}

/** One row (id 1) about the deployment: its blob sentinel. */
export interface DeploymentTable {
  id: number;
  blob_sentinel_sha256: string;
  created_at: string;
}

export interface DocumentsTable {
  id: string;
  tenant_id: string;
  title: string;
  /** The title lowercased: what title sorts and prefix search compare (bytewise). */
  title_key: string;
  status: string;
  media_type: string | null;
  size_bytes: number;
  sha256: string | null;
  /** The sha256 of the one document per tenant that dedupe answers with; null on the others (unique per tenant). */
  dedupe_sha256: string | null;
  filename: string | null;
  page_count: number | null;
  /** JSON array. */
  tags: string;
  /** JSON object. */
  metadata: string;
  source_type: string;
  source_url: string | null;
  /** JSON object, plaintext or sealed as `extracted_sealing` says (sql/content-cipher.ts). */
  extracted: string;
  /** 0 plaintext, 1 AES-256-GCM (migration 0010). */
  extracted_sealing: Generated<number>;
  /** JSON object or null. */
  error: string | null;
  /** The document this one was made from (migration 0014), or null. */
  parent_id: string | null;
  created_at: string;
  updated_at: string;
}

export interface DocumentTagsTable {
  document_id: string;
  tenant_id: string;
  tag: string;
}

export interface BlobRefsTable {
  sha256: string;
  refs: number;
}

export interface JobsTable {
  id: string;
  tenant_id: string;
  document_id: string | null;
  type: string;
  /** `small` or `large` (see QUIRE_LARGE_DOCUMENT_BYTES). */
  lane: string;
  status: string;
  attempts: number;
  max_attempts: number;
  /** JSON object: the payload without its secret fields (SECRET_PAYLOAD_FIELDS). */
  payload: string;
  /**
   * JSON object of the payload's secret fields, plaintext or sealed as `secrets_sealing` says;
   * null when there are none or once the job has finished (migration 0010).
   */
  secrets: Generated<string | null>;
  secrets_sealing: Generated<number>;
  /** JSON object. */
  progress: string;
  /** JSON object or null. */
  error: string | null;
  request_id: string | null;
  lease_owner: string | null;
  lease_until: string | null;
  /** The worker id of each attempt, in order, each ended by a newline (migration 0012). */
  attempt_workers: Generated<string>;
  next_attempt_at: string;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
}

export interface DocumentPagesTable {
  document_id: string;
  tenant_id: string;
  number: number;
  /** Plaintext, or sealed as `sealing` says (sql/content-cipher.ts), like `markdown`. */
  text: string;
  /** Empty when `markdown_is_text` is 1. */
  markdown: string;
  /** 0 plaintext, 1 AES-256-GCM (migration 0009). */
  sealing: Generated<number>;
  /** 1: the page's Markdown is its text, stored once (migration 0018). */
  markdown_is_text: Generated<number>;
}

/** Migration 0017: pages an extraction attempt (`stage`) wrote before its job completed. */
export interface StagedPagesTable extends DocumentPagesTable {
  stage: string;
}

export interface PassagesTable {
  id: string;
  document_id: string;
  tenant_id: string;
  page: number;
  /** Position of the passage in the document, from 0. */
  ordinal: number;
  /** Plaintext, or sealed as `sealing` says (sql/content-cipher.ts). */
  text: string;
  word_count: number;
  /** Migration 0013: the page span, offsets, heading path (a JSON array) and navigation flag. */
  page_end: number;
  char_start: number;
  char_end: number;
  heading_path: string;
  navigation: number;
  scheme: Generated<string>;
  /** 0 plaintext, 1 AES-256-GCM (migration 0009). */
  sealing: Generated<number>;
  /**
   * PostgreSQL only (SQLite's index is the `passages_fts` table): the tsvector of the plaintext,
   * written by the content store when search is on, else null. Never selected as a string.
   */
  search: ColumnType<never, string | null | undefined, never>;
}

/** Migration 0016: a passage's embedding, Float32 little-endian. */
export interface PassageVectorsTable {
  passage_id: string;
  tenant_id: string;
  /** The passage's, copied so search reads vectors joining only `documents`. */
  document_id: string;
  navigation: number;
  model: string;
  dimensions: number;
  vector: Uint8Array;
}

export interface WebhooksTable {
  id: string;
  tenant_id: string;
  url: string;
  /** JSON array of event types. */
  events: string;
  /** As the service sealed it (see secret_scheme). */
  secret: string;
  /** `plain` or `aes-256-gcm`. */
  secret_scheme: string;
  created_at: string;
}

export interface WebhookDeliveriesTable {
  id: string;
  tenant_id: string;
  webhook_id: string;
  event: string;
  /** JSON object: the event's data, plaintext or sealed as `data_sealing` says. */
  data: string;
  /** 0 plaintext, 1 AES-256-GCM (migration 0010). */
  data_sealing: Generated<number>;
  request_id: string | null;
  job_id: string;
  /** `pending`, `delivered` or `failed`. */
  status: string;
  attempts: number;
  response_status: number | null;
  /** JSON object or null. */
  error: string | null;
  created_at: string;
  delivered_at: string | null;
  last_attempt_at: string | null;
}
