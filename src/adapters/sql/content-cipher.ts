/**
 * Encryption at rest of what extraction stores in the database (page text and Markdown,
 * passages, extracted metadata, the webhook events that carry it) and of job secrets (an encrypted
 * PDF's password, a fetch's request headers): AES-256-GCM, one random 96-bit nonce per value, under a key
 * derived from QUIRE_ENCRYPTION_KEY with HKDF-SHA256 and its own info label, so the content key
 * is never the blob key (blob-format/chunked-encryption.ts uses QUIRE_ENCRYPTION_KEY as is).
 *
 * A sealed value is base64 text (the columns are text on both dialects):
 *
 *   nonce (12 bytes) || ciphertext || GCM tag (16 bytes)
 *
 * and its row's `sealing` column says how it was sealed: 0 plaintext (rows written before a key
 * was set, or without one: still read as they are), 1 this scheme. A later scheme (a rotated key,
 * another cipher) takes the next number, and rows keep the number they were written with until
 * they are rewritten. The additional data binds each value to its place (tenant, document, row,
 * column), so a sealed value copied to another row or tenant fails authentication instead of
 * being served there.
 */
import type { Analyzer } from '../../shared/analyze.js';
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

export const SEALING_PLAIN = 0;
export const SEALING_AES_GCM_V1 = 1;

const KEY_LENGTH = 32;
const NONCE_LENGTH = 12;
const TAG_LENGTH = 16;
/** HKDF info of the content key; the blob encryption has no derived key, so they never meet. */
const CONTENT_KEY_INFO = 'quire:content-at-rest:aes-256-gcm:v1';

export interface ContentCipher {
  /** The `sealing` number of what seal() writes. */
  readonly sealing: number;
  /** `place` names where the value is stored (e.g. `passage:<tenant>:<document>:<id>`). */
  seal(value: string, place: string): string;
  /** The plaintext of a stored value written with `sealing` at `place`. */
  open(stored: string, sealing: number, place: string): string;
}

/** Reads plaintext rows only: what stores use without a key (a sealed row then fails loudly). */
export const PLAINTEXT: ContentCipher = {
  sealing: SEALING_PLAIN,
  seal: (value) => value,
  open(stored, sealing, place) {
    if (sealing === SEALING_PLAIN) return stored;
    throw new Error(`${place} is encrypted, but QUIRE_ENCRYPTION_KEY is not set`);
  },
};

export function createContentCipher(encryptionKey: Buffer): ContentCipher {
  if (encryptionKey.length !== KEY_LENGTH)
    throw new TypeError(`the encryption key must be ${KEY_LENGTH} bytes`);
  const key = Buffer.from(
    hkdfSync('sha256', encryptionKey, Buffer.alloc(0), CONTENT_KEY_INFO, KEY_LENGTH),
  );
  return {
    sealing: SEALING_AES_GCM_V1,
    seal(value, place) {
      const nonce = randomBytes(NONCE_LENGTH);
      const cipher = createCipheriv('aes-256-gcm', key, nonce);
      cipher.setAAD(Buffer.from(place, 'utf8'));
      return Buffer.concat([
        nonce,
        cipher.update(value, 'utf8'),
        cipher.final(),
        cipher.getAuthTag(),
      ]).toString('base64');
    },
    open(stored, sealing, place) {
      if (sealing === SEALING_PLAIN) return stored;
      if (sealing !== SEALING_AES_GCM_V1)
        throw new Error(`${place} is sealed with unknown scheme ${sealing}`);
      const bytes = Buffer.from(stored, 'base64');
      if (bytes.length < NONCE_LENGTH + TAG_LENGTH) throw new Error(`${place} is cut short`);
      const decipher = createDecipheriv('aes-256-gcm', key, bytes.subarray(0, NONCE_LENGTH));
      decipher.setAAD(Buffer.from(place, 'utf8'));
      decipher.setAuthTag(bytes.subarray(bytes.length - TAG_LENGTH));
      try {
        return Buffer.concat([
          decipher.update(bytes.subarray(NONCE_LENGTH, bytes.length - TAG_LENGTH)),
          decipher.final(),
        ]).toString('utf8');
      } catch {
        throw new Error(`${place} failed authentication (another key, or altered)`);
      }
    },
  };
}

/** How stored content is kept: sealed or not, and whether the full-text index is written. */
export interface ContentPolicy {
  cipher: ContentCipher;
  /** Write (and search) the full-text index: its terms are plaintext even when content is sealed. */
  searchIndex: boolean;
  /** The terms the index is written and queried with (shared/analyze.ts). */
  analyzer: Analyzer;
  /**
   * How passages are cut and indexed (chunking and analyzer), written with each passage: documents
   * whose passages carry another are re-indexed (ContentStore.staleDocuments).
   */
  scheme: string;
}

export const PLAINTEXT_SEARCHABLE: ContentPolicy = {
  cipher: PLAINTEXT,
  searchIndex: true,
  analyzer: 'english',
  scheme: 'structure/200/0/english',
};

/** Where a value lives, bound into its seal. */
export const places = {
  pageText: (tenantId: string, documentId: string, page: number): string =>
    `page-text:${tenantId}:${documentId}:${page}`,
  pageMarkdown: (tenantId: string, documentId: string, page: number): string =>
    `page-markdown:${tenantId}:${documentId}:${page}`,
  passage: (tenantId: string, documentId: string, passageId: string): string =>
    `passage:${tenantId}:${documentId}:${passageId}`,
  extracted: (tenantId: string, documentId: string): string =>
    `extracted:${tenantId}:${documentId}`,
  deliveryData: (tenantId: string, deliveryId: string): string =>
    `delivery-data:${tenantId}:${deliveryId}`,
  jobSecrets: (tenantId: string, jobId: string): string => `job-secrets:${tenantId}:${jobId}`,
};
