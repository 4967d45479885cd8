/** Who may call the API: API keys, JWT verification, and the brute-force guard. */
import type { JwtAlgorithm } from '../domain/jwt.js';
import { algorithms, boolean, bootstrapKey, integer, optional, text } from './parsers.js';
import type { SettingsTable } from './setting.js';

export interface AuthConfig {
  auth: boolean;
  bootstrapAdminKey: string | undefined;
  jwtSecret: string | undefined;
  jwtPublicKeyFile: string | undefined;
  jwtJwksFile: string | undefined;
  jwtAlgorithms: JwtAlgorithm[];
  jwtIssuer: string | undefined;
  jwtAudience: string | undefined;
  authCacheTtlMs: number;
  authFailureLimit: number;
  authFailureWindowS: number;
}

export const AUTH_SETTINGS: SettingsTable<AuthConfig> = {
  auth: {
    key: 'auth',
    env: 'QUIRE_AUTH',
    default: 'on',
    parse: boolean,
    description:
      '`on`: every /v1 request needs an API key or JWT. `off`: everything is served as tenant `default` (warned at every start).',
  },
  bootstrapAdminKey: {
    key: 'bootstrapAdminKey',
    env: 'QUIRE_BOOTSTRAP_ADMIN_KEY',
    default: '',
    parse: bootstrapKey,
    description:
      'On the first start with no keys, this (qk_…) becomes the admin key of tenant `default`; unset: one is generated and printed once.',
  },
  jwtSecret: {
    key: 'jwtSecret',
    env: 'QUIRE_JWT_SECRET',
    default: '',
    parse: optional(text(32, 4096)),
    description:
      'HMAC secret (≥ 32 characters) for HS256/384/512 JWTs. Unset with no key file: JWTs are refused.',
  },
  jwtPublicKeyFile: {
    key: 'jwtPublicKeyFile',
    env: 'QUIRE_JWT_PUBLIC_KEY_FILE',
    default: '',
    parse: optional(text(1, 4096)),
    description: 'PEM public key file for RS*/PS*/ES*/EdDSA JWTs.',
  },
  jwtJwksFile: {
    key: 'jwtJwksFile',
    env: 'QUIRE_JWT_JWKS_FILE',
    default: '',
    parse: optional(text(1, 4096)),
    description: 'JWKS file (a JSON key set); the token header `kid` picks the key.',
  },
  jwtAlgorithms: {
    key: 'jwtAlgorithms',
    env: 'QUIRE_JWT_ALGORITHMS',
    default: '',
    parse: algorithms,
    description:
      'Allowed JWT algorithms (comma list). Default: HS256 with a secret, RS256 and ES256 with a key file. `none` is never allowed.',
  },
  jwtIssuer: {
    key: 'jwtIssuer',
    env: 'QUIRE_JWT_ISSUER',
    default: '',
    parse: optional(text(1, 1024)),
    description: 'When set, a JWT’s `iss` must equal it.',
  },
  jwtAudience: {
    key: 'jwtAudience',
    env: 'QUIRE_JWT_AUDIENCE',
    default: '',
    parse: optional(text(1, 1024)),
    description: 'When set, a JWT’s `aud` must contain it.',
  },
  authCacheTtlMs: {
    key: 'authCacheTtlMs',
    env: 'QUIRE_AUTH_CACHE_TTL_MS',
    default: '10000',
    parse: integer(0, 600000),
    description:
      'How long a verified API key is cached in process. Revocation clears it at once here and, with Redis, on every instance; without Redis other instances notice within this time.',
  },
  authFailureLimit: {
    key: 'authFailureLimit',
    env: 'QUIRE_AUTH_FAILURE_LIMIT',
    default: '20',
    parse: integer(1, 1_000_000),
    description:
      'Failed authentications one client address may make per window before it gets 429 (brute-force guard).',
  },
  authFailureWindowS: {
    key: 'authFailureWindowS',
    env: 'QUIRE_AUTH_FAILURE_WINDOW_S',
    default: '300',
    parse: integer(1, 86400),
    description: 'The brute-force guard’s window.',
  },
};
