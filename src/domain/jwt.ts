/**
 * JWT bearer tokens: verified against one HMAC secret, one public key or a JWKS key set, with an
 * allow-list of algorithms (never `none`; an HS token is refused where a public key is configured,
 * which is what defeats algorithm confusion), `exp` required, 30 s of clock skew, and the claims
 * `sub` (who), `tid` (tenant) and `scope` (space-separated or an array).
 */
import { createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import { createVerifier, type Algorithm, type DecodedJwt } from 'fast-jwt';
import { isScope, RATE_TIERS, type Principal, type RateTier } from '../ports/principal.js';
import { systemClock, type Clock } from '../ports/clock.js';

export const JWT_ALGORITHMS = [
  'HS256',
  'HS384',
  'HS512',
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
] as const;
export type JwtAlgorithm = (typeof JWT_ALGORITHMS)[number];

export const CLOCK_SKEW_MS = 30_000;
const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

export type JwtKeyMaterial =
  | { kind: 'secret'; secret: string }
  | { kind: 'public-key'; pem: string }
  | { kind: 'jwks'; jwks: { keys: (JsonWebKey & { kid?: string })[] } };

export interface JwtOptions {
  material: JwtKeyMaterial;
  /** Empty: derived from the key (HS256 for a secret, RS256/ES256/EdDSA from the key type). */
  algorithms: JwtAlgorithm[];
  issuer?: string;
  /** Expires cached tokens; default: the system clock. */
  clock?: Clock;
  audience?: string;
}

export interface JwtAuthenticator {
  /** Verifies the token; null when it is invalid, expired, or lacks `sub`/`tid`. */
  verify(token: string): Promise<Principal | null>;
  /** The principal of a token verified earlier and not yet expired, without verifying again. */
  cached(token: string): Principal | null;
}

const VERIFIED_CACHE_SIZE = 10_000;

export function looksLikeJwt(token: string): boolean {
  return JWT_SHAPE.test(token);
}

function algorithmsForKey(key: KeyObject): JwtAlgorithm[] {
  switch (key.asymmetricKeyType) {
    case 'rsa':
      return ['RS256'];
    case 'rsa-pss':
      return ['PS256'];
    case 'ec':
      return ['ES256'];
    case 'ed25519':
      return ['EdDSA'];
    default:
      throw new Error(`unsupported JWT key type ${key.asymmetricKeyType ?? 'unknown'}`);
  }
}

function toPem(key: KeyObject): string {
  return key.export({ type: 'spki', format: 'pem' }).toString();
}

interface ResolvedKeys {
  algorithms: JwtAlgorithm[];
  key: string | ((decoded: DecodedJwt) => Promise<string>);
}

function resolveKeys({ material, algorithms }: JwtOptions): ResolvedKeys {
  if (material.kind === 'secret') {
    const allowed = algorithms.length > 0 ? algorithms : (['HS256'] as JwtAlgorithm[]);
    if (allowed.some((alg) => !alg.startsWith('HS')))
      throw new Error('a JWT secret only verifies HS* algorithms');
    return { algorithms: allowed, key: material.secret };
  }
  if (material.kind === 'public-key') {
    const key = createPublicKey(material.pem);
    const allowed = algorithms.length > 0 ? algorithms : algorithmsForKey(key);
    if (allowed.some((alg) => alg.startsWith('HS')))
      throw new Error('HS* algorithms cannot be verified with a public key');
    return { algorithms: allowed, key: toPem(key) };
  }
  const byKid = new Map<string, string>();
  const derived = new Set<JwtAlgorithm>();
  for (const jwk of material.jwks.keys) {
    const key = createPublicKey({ key: jwk, format: 'jwk' });
    for (const alg of algorithmsForKey(key)) derived.add(alg);
    byKid.set(jwk.kid ?? '', toPem(key));
  }
  if (byKid.size === 0) throw new Error('the JWKS file has no keys');
  const allowed = algorithms.length > 0 ? algorithms : [...derived];
  if (allowed.some((alg) => alg.startsWith('HS')))
    throw new Error('HS* algorithms cannot be verified with a JWKS');
  return {
    algorithms: allowed,
    key: async (decoded) => {
      const kid = typeof decoded.header.kid === 'string' ? decoded.header.kid : '';
      const pem =
        byKid.get(kid) ?? (byKid.size === 1 && kid === '' ? [...byKid.values()][0] : undefined);
      if (pem === undefined) throw new Error(`no JWKS key with kid "${kid}"`);
      return pem;
    },
  };
}

function scopesOf(claim: unknown): Principal['scopes'] {
  const names = typeof claim === 'string' ? claim.split(' ') : Array.isArray(claim) ? claim : [];
  return new Set(names.filter((name): name is string => typeof name === 'string').filter(isScope));
}

export function createJwtAuthenticator(options: JwtOptions): JwtAuthenticator {
  const { algorithms, key } = resolveKeys(options);
  const clock = options.clock ?? systemClock;
  const verify = createVerifier({
    key: async (decoded: DecodedJwt) => (typeof key === 'string' ? key : key(decoded)),
    algorithms: algorithms as Algorithm[],
    clockTolerance: CLOCK_SKEW_MS,
    requiredClaims: ['exp', 'sub', 'tid'],
    ...(options.issuer === undefined ? {} : { allowedIss: options.issuer }),
    ...(options.audience === undefined ? {} : { allowedAud: options.audience }),
  });
  // Verified tokens by their text: a repeat caller costs a map lookup, not a signature check.
  const verified = new Map<string, { principal: Principal; expiresAt: number }>();

  async function verifyToken(token: string): Promise<Principal | null> {
    if (!looksLikeJwt(token)) return null;
    let claims: Record<string, unknown>;
    try {
      claims = (await verify(token)) as Record<string, unknown>;
    } catch {
      return null;
    }
    const { sub, tid, rate_tier: tier, exp } = claims;
    if (typeof sub !== 'string' || sub === '' || typeof tid !== 'string' || tid === '') return null;
    const principal: Principal = {
      kind: 'jwt',
      tenantId: tid,
      scopes: scopesOf(claims.scope),
      rateTier: (RATE_TIERS as readonly unknown[]).includes(tier) ? (tier as RateTier) : 'standard',
      actor: `jwt:${sub}`,
    };
    if (verified.size >= VERIFIED_CACHE_SIZE) verified.clear();
    verified.set(token, { principal, expiresAt: Number(exp) * 1000 + CLOCK_SKEW_MS });
    return principal;
  }

  return {
    verify: verifyToken,
    cached(token) {
      const entry = verified.get(token);
      if (entry === undefined) return null;
      if (entry.expiresAt <= clock.now()) {
        verified.delete(token);
        return null;
      }
      return entry.principal;
    },
  };
}
