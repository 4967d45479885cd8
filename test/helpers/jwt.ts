/** Signs test JWTs: with fast-jwt for honest tokens, by hand for the forged ones. */
import { createHmac, generateKeyPairSync, sign } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createSigner } from 'fast-jwt';
import { tempDir } from './app.js';

export const TEST_JWT_SECRET = 'test-jwt-secret-0123456789abcdef0123456789';

const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
const nowS = (): number => Math.floor(Date.now() / 1000);

export function claims(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    sub: 'user-1',
    tid: 'acme',
    scope: 'documents:read search',
    exp: nowS() + 300,
    ...overrides,
  };
}

export function signHs256(payload: Record<string, unknown>, secret = TEST_JWT_SECRET): string {
  return createSigner({ key: secret, algorithm: 'HS256' })(payload);
}

/** A token signed by hand: any header, any HMAC key (for alg-confusion and `none` forgeries). */
export function forge(
  header: Record<string, unknown>,
  payload: Record<string, unknown>,
  hmacKey?: string,
): string {
  const unsigned = `${b64(header)}.${b64(payload)}`;
  const signature =
    hmacKey === undefined ? '' : createHmac('sha256', hmacKey).update(unsigned).digest('base64url');
  return `${unsigned}.${signature}`;
}

export interface RsaKeys {
  publicPem: string;
  privatePem: string;
  publicKeyFile: string;
  sign(payload: Record<string, unknown>): string;
}

export function rsaKeys(): RsaKeys {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const publicPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const privatePem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const publicKeyFile = join(tempDir(), 'jwt-public.pem');
  writeFileSync(publicKeyFile, publicPem);
  return {
    publicPem,
    privatePem,
    publicKeyFile,
    sign: (payload) => {
      const unsigned = `${b64({ alg: 'RS256', typ: 'JWT' })}.${b64(payload)}`;
      return `${unsigned}.${sign('sha256', Buffer.from(unsigned), privateKey).toString('base64url')}`;
    },
  };
}
