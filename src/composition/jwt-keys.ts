/** Reads the JWT key material the settings point at, once at start. */
import { readFileSync } from 'node:fs';
import type { JsonWebKey } from 'node:crypto';
import { ConfigError, type Config } from '../config.js';
import type { JwtKeyMaterial } from '../domain/jwt.js';

function readSetting(variable: string, path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(
      variable,
      `cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`,
    );
  }
}

/** The configured key material, or null when JWTs are not accepted. */
export function loadJwtMaterial(config: Config): JwtKeyMaterial | null {
  const sources = [
    config.jwtSecret !== undefined && 'QUIRE_JWT_SECRET',
    config.jwtPublicKeyFile !== undefined && 'QUIRE_JWT_PUBLIC_KEY_FILE',
    config.jwtJwksFile !== undefined && 'QUIRE_JWT_JWKS_FILE',
  ].filter((name): name is string => typeof name === 'string');
  if (sources.length > 1)
    throw new ConfigError(sources[1] as string, `set only one of ${sources.join(', ')}`);
  if (config.jwtSecret !== undefined) return { kind: 'secret', secret: config.jwtSecret };
  if (config.jwtPublicKeyFile !== undefined) {
    return {
      kind: 'public-key',
      pem: readSetting('QUIRE_JWT_PUBLIC_KEY_FILE', config.jwtPublicKeyFile),
    };
  }
  if (config.jwtJwksFile !== undefined) {
    const text = readSetting('QUIRE_JWT_JWKS_FILE', config.jwtJwksFile);
    let jwks: { keys?: unknown };
    try {
      jwks = JSON.parse(text) as { keys?: unknown };
    } catch {
      throw new ConfigError('QUIRE_JWT_JWKS_FILE', 'is not JSON');
    }
    if (!Array.isArray(jwks.keys))
      throw new ConfigError('QUIRE_JWT_JWKS_FILE', 'has no "keys" array');
    return { kind: 'jwks', jwks: { keys: jwks.keys as (JsonWebKey & { kid?: string })[] } };
  }
  if (config.jwtAlgorithms.length > 0) {
    throw new ConfigError('QUIRE_JWT_ALGORITHMS', 'is set but no JWT secret or key file is');
  }
  return null;
}
