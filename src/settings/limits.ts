/**
 * How much clients may ask for: request body and upload caps, rate limits per route tier, and job
 * event streams open at once.
 */
import { integer, oneOf } from './parsers.js';
import type { SettingsTable } from './setting.js';

/** The description of one tier's rate limit, naming its default. */
const rateLimit = (tier: string, perMinute: number): string =>
  `Requests per minute per API key (per client IP when unauthenticated) on ${tier} routes (0: unlimited). Default ${perMinute}.`;

/** The largest request body. */
export interface BodyLimitConfig {
  bodyLimitBytes: number;
}

export const BODY_LIMIT_SETTINGS: SettingsTable<BodyLimitConfig> = {
  bodyLimitBytes: {
    key: 'bodyLimitBytes',
    env: 'QUIRE_BODY_LIMIT_BYTES',
    default: String(1024 * 1024),
    parse: integer(1024, 1024 * 1024 * 1024),
    description: 'Largest JSON or text request body accepted (routes may set lower limits).',
  },
};

/** Requests per minute per route tier, and what happens when the counting store fails. */
export interface RateLimitConfig {
  rateLimitMeta: number;
  rateLimitRead: number;
  rateLimitWrite: number;
  rateLimitUpload: number;
  rateLimitSearch: number;
  rateLimitAdmin: number;
  rateLimitElevatedFactor: number;
  rateLimitOnStoreFailure: 'open' | 'closed';
}

export const RATE_LIMIT_SETTINGS: SettingsTable<RateLimitConfig> = {
  rateLimitMeta: {
    key: 'rateLimitMeta',
    env: 'QUIRE_RATE_LIMIT_META',
    default: '600',
    parse: integer(0),
    description: rateLimit('meta', 600),
  },
  rateLimitRead: {
    key: 'rateLimitRead',
    env: 'QUIRE_RATE_LIMIT_READ',
    default: '600',
    parse: integer(0),
    description: rateLimit('read', 600),
  },
  rateLimitWrite: {
    key: 'rateLimitWrite',
    env: 'QUIRE_RATE_LIMIT_WRITE',
    default: '120',
    parse: integer(0),
    description: rateLimit('write', 120),
  },
  rateLimitUpload: {
    key: 'rateLimitUpload',
    env: 'QUIRE_RATE_LIMIT_UPLOAD',
    default: '60',
    parse: integer(0),
    description: rateLimit('upload', 60),
  },
  rateLimitSearch: {
    key: 'rateLimitSearch',
    env: 'QUIRE_RATE_LIMIT_SEARCH',
    default: '300',
    parse: integer(0),
    description: rateLimit('search', 300),
  },
  rateLimitAdmin: {
    key: 'rateLimitAdmin',
    env: 'QUIRE_RATE_LIMIT_ADMIN',
    default: '120',
    parse: integer(0),
    description: rateLimit('admin', 120),
  },
  rateLimitElevatedFactor: {
    key: 'rateLimitElevatedFactor',
    env: 'QUIRE_RATE_LIMIT_ELEVATED_FACTOR',
    default: '10',
    parse: integer(1, 10000),
    description:
      'Keys with rate_tier `elevated` get this many times every limit (`unlimited` keys are not limited).',
  },
  rateLimitOnStoreFailure: {
    key: 'rateLimitOnStoreFailure',
    env: 'QUIRE_RATE_LIMIT_ON_STORE_FAILURE',
    default: 'open',
    parse: oneOf(['open', 'closed'] as const),
    description:
      'When the rate-limit store (Redis) fails: `open` lets requests through (counted, /health degraded), `closed` answers 503.',
  },
};

/** The largest uploaded file, ingested text and multipart field. */
export interface UploadLimitConfig {
  maxUploadBytes: number;
  maxTextBytes: number;
  multipartFieldBytes: number;
}

export const UPLOAD_LIMIT_SETTINGS: SettingsTable<UploadLimitConfig> = {
  maxUploadBytes: {
    key: 'maxUploadBytes',
    env: 'QUIRE_MAX_UPLOAD_BYTES',
    default: String(1024 ** 3),
    parse: integer(1, 1024 ** 4),
    description: 'Largest file accepted by upload or URL fetch (413 as soon as it is crossed).',
  },
  maxTextBytes: {
    key: 'maxTextBytes',
    env: 'QUIRE_MAX_TEXT_BYTES',
    default: String(10 * 1024 ** 2),
    parse: integer(1, 1024 ** 3),
    description: 'Largest `text` accepted by JSON text ingestion, in UTF-8 bytes.',
  },
  multipartFieldBytes: {
    key: 'multipartFieldBytes',
    env: 'QUIRE_MULTIPART_FIELD_BYTES',
    default: String(64 * 1024),
    parse: integer(1, 1024 ** 3),
    description:
      'Largest text field (tags, metadata, title, password) of a multipart upload; a longer one answers 413.',
  },
};

/** Job event streams (SSE) open at once. */
export interface StreamLimitConfig {
  sseMaxStreams: number;
}

export const STREAM_LIMIT_SETTINGS: SettingsTable<StreamLimitConfig> = {
  sseMaxStreams: {
    key: 'sseMaxStreams',
    env: 'QUIRE_SSE_MAX_STREAMS',
    default: '1000',
    parse: integer(1, 1000000),
    description: 'Job event streams (SSE) open at once per process; more answer 503 OVERLOADED.',
  },
};

export type LimitsConfig = BodyLimitConfig &
  RateLimitConfig &
  UploadLimitConfig &
  StreamLimitConfig;
