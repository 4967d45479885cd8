/**
 * The parsers that turn an environment variable's raw text into a setting's value. Each throws a
 * plain Error saying what is wrong with the value; `loadConfig` adds the variable's name.
 */
import { isIP } from 'node:net';
import { looksLikeApiKey } from '../domain/api-keys.js';
import { JWT_ALGORITHMS, type JwtAlgorithm } from '../domain/jwt.js';
import type { Parser } from './setting.js';

export type TrustProxy = boolean | number | string[];

export const integer =
  (min: number, max: number = Number.MAX_SAFE_INTEGER): Parser<number> =>
  (raw) => {
    if (!/^-?\d+$/.test(raw.trim())) throw new Error(`must be an integer, got "${raw}"`);
    const value = Number(raw.trim());
    if (value < min || value > max) throw new Error(`must be from ${min} to ${max}, got ${value}`);
    return value;
  };

export const decimal =
  (min: number, max: number): Parser<number> =>
  (raw) => {
    if (!/^\d+(\.\d+)?$/.test(raw.trim()))
      throw new Error(`must be a decimal number, got "${raw}"`);
    const value = Number(raw.trim());
    if (value < min || value > max) throw new Error(`must be from ${min} to ${max}, got ${value}`);
    return value;
  };

export const oneOf =
  <T extends string>(values: readonly T[]): Parser<T> =>
  (raw) => {
    const value = raw.trim().toLowerCase();
    if (!(values as readonly string[]).includes(value)) {
      throw new Error(`must be one of ${values.join(', ')}, got "${raw}"`);
    }
    return value as T;
  };

const TRUE_WORDS = ['on', 'true', '1', 'yes'];
const FALSE_WORDS = ['off', 'false', '0', 'no'];

export const boolean: Parser<boolean> = (raw) => {
  const value = raw.trim().toLowerCase();
  if (TRUE_WORDS.includes(value)) return true;
  if (FALSE_WORDS.includes(value)) return false;
  throw new Error(`must be on or off, got "${raw}"`);
};

export const text =
  (minLength = 1, maxLength = 4096): Parser<string> =>
  (raw) => {
    if (raw.length < minLength || raw.length > maxLength) {
      throw new Error(`must be ${minLength} to ${maxLength} characters long`);
    }
    return raw;
  };

export const optional =
  <T>(parse: Parser<T>): Parser<T | undefined> =>
  (raw) =>
    raw === '' ? undefined : parse(raw);

const commaList = (raw: string): string[] =>
  raw
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item.length > 0);

export const databaseUrl: Parser<string | undefined> = (raw) => {
  if (raw === '') return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error('must be a postgres:// or postgresql:// URL');
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw new Error(`must be a postgres:// or postgresql:// URL, got scheme "${url.protocol}"`);
  }
  return raw;
};

export const origins: Parser<string[]> = (raw) =>
  commaList(raw).map((origin) => {
    if (origin === '*') return origin;
    let url: URL;
    try {
      url = new URL(origin);
    } catch {
      throw new Error(`"${origin}" is not an origin like https://app.example.com`);
    }
    if (url.origin !== origin) {
      throw new Error(
        `"${origin}" is not an origin (scheme://host[:port], no path), try "${url.origin}"`,
      );
    }
    return origin;
  });

const CIDR = /^(?<address>[^/]+)(?:\/(?<bits>\d{1,3}))?$/;

export const trustProxy: Parser<TrustProxy> = (raw) => {
  const value = raw.trim().toLowerCase();
  if (TRUE_WORDS.includes(value) && value !== '1') return true;
  if (FALSE_WORDS.includes(value) && value !== '0') return false;
  if (/^\d+$/.test(value)) return integer(0, 64)(value);
  return commaList(raw).map((entry) => {
    const match = CIDR.exec(entry);
    const address = match?.groups?.address ?? '';
    const family = isIP(address);
    const bits = match?.groups?.bits;
    const maxBits = family === 6 ? 128 : 32;
    if (family === 0 || (bits !== undefined && Number(bits) > maxBits)) {
      throw new Error(
        `must be off, on, a hop count, or a comma list of IP addresses/CIDR ranges; "${entry}" is none of these`,
      );
    }
    return entry;
  });
};

export const redisUrl: Parser<string | undefined> = (raw) => {
  if (raw === '') return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error('must be a redis:// or rediss:// URL');
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
    throw new Error(`must be a redis:// or rediss:// URL, got scheme "${url.protocol}"`);
  }
  return raw;
};

/**
 * The namespace of a deployment's Redis keys: 1–32 letters, digits, `-`, `_` or `.`, so it holds
 * no `:` (a prefix `a:b` would nest inside `a`'s keys) and no glob character (`prefix:*` must
 * match exactly its keys).
 */
export const redisPrefix: Parser<string> = (raw) => {
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$/.test(raw))
    throw new Error(
      `must be 1 to 32 letters, digits, "-", "_" or "." (starting with a letter or digit), got "${raw}"`,
    );
  return raw;
};

export const bootstrapKey: Parser<string | undefined> = (raw) => {
  if (raw === '') return undefined;
  if (!looksLikeApiKey(raw)) {
    throw new Error('must look like an API key: qk_ followed by 32 to 128 of [A-Za-z0-9_-]');
  }
  return raw;
};

export const algorithms: Parser<JwtAlgorithm[]> = (raw) =>
  commaList(raw).map((name) => {
    if (name.toLowerCase() === 'none') throw new Error('"none" is never accepted');
    if (!(JWT_ALGORITHMS as readonly string[]).includes(name)) {
      throw new Error(`"${name}" is not one of ${JWT_ALGORITHMS.join(', ')}`);
    }
    return name as JwtAlgorithm;
  });
export const encryptionKey: Parser<Buffer | undefined> = (raw) => {
  if (raw === '') return undefined;
  const key = Buffer.from(raw, 'base64');
  if (
    key.length !== 32 ||
    key.toString('base64').replace(/=+$/, '') !== raw.trim().replace(/=+$/, '')
  ) {
    throw new Error('must be 32 bytes, base64-encoded (e.g. `openssl rand -base64 32`)');
  }
  return key;
};

export const hostList: Parser<string[]> = (raw) =>
  commaList(raw).map((entry) => {
    if (!/^[A-Za-z0-9.-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/.test(entry)) {
      throw new Error(`"${entry}" is not host or host:port`);
    }
    return entry.toLowerCase();
  });

/** An S3 bucket name as every S3-compatible store accepts it (lowercase DNS-style, 3–63). */
export const bucketName: Parser<string | undefined> = (raw) => {
  const value = raw.trim();
  if (value === '') return undefined;
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(value) || value.includes('..'))
    throw new Error(`must be an S3 bucket name (3–63 of a-z 0-9 . -), got "${raw}"`);
  return value;
};

/** A key prefix: printable, no leading slash, no `..` segment; empty for the bucket's root. */
export const keyPrefix: Parser<string> = (raw) => {
  if (raw.length > 512) throw new Error('must be at most 512 characters long');
  if (!/^[A-Za-z0-9!_.*'()/-]*$/.test(raw))
    throw new Error(`must use only A-Z a-z 0-9 ! _ . * ' ( ) - /, got "${raw}"`);
  if (raw.startsWith('/') || raw.split('/').includes('..'))
    throw new Error(`must not start with / or hold a .. segment, got "${raw}"`);
  return raw;
};

export const httpUrl: Parser<string | undefined> = (raw) => {
  if (raw === '') return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error('must be an http:// or https:// URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new Error(`must be an http:// or https:// URL, got scheme "${url.protocol}"`);
  return raw;
};

export const awsRegion: Parser<string> = (raw) => {
  const value = raw.trim();
  if (!/^[a-z0-9-]{1,40}$/.test(value))
    throw new Error(`must be a region name (a-z 0-9 -), got "${raw}"`);
  return value;
};

export const S3_SSE_MODES = ['AES256', 'aws:kms', 'aws:kms:dsse'] as const;
export type S3SseMode = (typeof S3_SSE_MODES)[number];

export const s3Sse: Parser<S3SseMode | undefined> = (raw) => {
  const value = raw.trim();
  if (value === '') return undefined;
  const mode = S3_SSE_MODES.find((candidate) => candidate === value);
  if (mode === undefined)
    throw new Error(`must be one of ${S3_SSE_MODES.join(', ')}, got "${raw}"`);
  return mode;
};
