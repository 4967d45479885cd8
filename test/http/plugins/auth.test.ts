/**
 * Authentication, scopes and the brute-force guard, through HTTP. Every attack here must end in
 * a clear 401/403/429 problem, never a 500.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { buildTestApp, createApiKey, TEST_ADMIN_KEY, type TestApp } from '../../helpers/app.js';
import {
  claims,
  forge,
  rsaKeys,
  signHs256,
  TEST_JWT_SECRET,
  type RsaKeys,
} from '../../helpers/jwt.js';
import { assertProblem } from '../../helpers/problem.js';

const KEYS_URL = '/v1/admin/api-keys';

const createKey = createApiKey;

const bearer = (token: string): { authorization: string } => ({ authorization: `Bearer ${token}` });

describe('API key authentication', () => {
  let t: TestApp;
  before(async () => {
    t = await buildTestApp({ QUIRE_AUTH_FAILURE_LIMIT: '1000' });
  });

  const get = (headers: Record<string, string> = {}) =>
    t.app.inject({ method: 'GET', url: KEYS_URL, headers });

  it('accepts the admin key as Bearer and as X-API-Key', async () => {
    assert.equal((await get(t.admin)).statusCode, 200);
    assert.equal((await get({ 'x-api-key': TEST_ADMIN_KEY })).statusCode, 200);
  });

  const refused: [string, Record<string, string>][] = [
    ['no credentials', {}],
    ['Bearer with nothing', { authorization: 'Bearer' }],
    ['Bearer and spaces', { authorization: 'Bearer    ' }],
    ['another scheme', { authorization: `Basic ${Buffer.from('a:b').toString('base64')}` }],
    ['a garbage token', bearer('garbage')],
    ['a garbage qk_ token', bearer('qk_!!!')],
    ['a 10 KB token', bearer('qk_' + 'a'.repeat(10_240))],
    ['a 10 KB JWT-shaped token', bearer(`${'a'.repeat(5000)}.${'b'.repeat(5000)}.c`)],
    [
      'a valid prefix with a wrong secret',
      bearer(TEST_ADMIN_KEY.slice(0, 12) + 'x'.repeat(TEST_ADMIN_KEY.length - 12)),
    ],
    ['an empty X-API-Key', { 'x-api-key': '' }],
  ];
  for (const [label, headers] of refused) {
    it(`401 for ${label}`, async () => {
      const response = await get(headers);
      assertProblem(response, 401, 'UNAUTHENTICATED');
      assert.match(String(response.headers['www-authenticate']), /^Bearer/);
    });
  }

  it('401 for a revoked key, at once', async () => {
    const { id, key } = await createKey(t, { name: 'to revoke', scopes: ['admin'] });
    assert.equal((await get(bearer(key))).statusCode, 200); // verified and cached
    const revoked = await t.app.inject({
      method: 'DELETE',
      url: `${KEYS_URL}/${id}`,
      headers: t.admin,
    });
    assert.equal(revoked.statusCode, 204);
    assertProblem(await get(bearer(key)), 401, 'UNAUTHENTICATED');
  });

  it('401 for an expired key', async () => {
    const { key } = await createKey(t, {
      name: 'short-lived',
      scopes: ['admin'],
      expires_at: new Date(Date.now() + 1200).toISOString(),
    });
    assert.equal((await get(bearer(key))).statusCode, 200);
    await sleep(1300);
    assertProblem(await get(bearer(key)), 401, 'UNAUTHENTICATED');
  });

  it('403 naming the scope for a key without it, on every admin route', async () => {
    const { key } = await createKey(t, { name: 'reader', scopes: ['documents:read', 'search'] });
    for (const [method, url] of [
      ['GET', KEYS_URL],
      ['POST', KEYS_URL],
      ['DELETE', `${KEYS_URL}/key_00000000000000000000000000`],
      ['GET', '/v1/admin/stats'],
      ['GET', '/v1/admin/audit-log'],
      ['GET', '/health'],
    ] as const) {
      const response = await t.app.inject({
        method,
        url,
        headers: bearer(key),
        payload: method === 'POST' ? { name: 'x', scopes: ['admin'] } : undefined,
      });
      const body = assertProblem(response, 403, 'FORBIDDEN');
      assert.match(String(body.detail), /"admin"/);
    }
  });

  it('writes failed admin authentication to the audit log, without the secret', async () => {
    await get(bearer('qk_' + 'z'.repeat(40)));
    const log = await t.app.inject({
      method: 'GET',
      url: '/v1/admin/audit-log?limit=200',
      headers: t.admin,
    });
    const entries = log.json().data as {
      action: string;
      details: { reason: string };
      request_id: string;
    }[];
    const failure = entries.find(
      (entry) => entry.action === 'admin.auth_failed' && entry.details.reason === 'unauthenticated',
    );
    assert.ok(failure, 'a failed admin auth is audited');
    assert.doesNotMatch(log.body, /zzzzzzzzzz/);
  });

  it('keeps /livez and /readyz public, and /health behind admin', async () => {
    assert.equal((await t.app.inject({ method: 'GET', url: '/livez' })).statusCode, 200);
    assert.equal((await t.app.inject({ method: 'GET', url: '/readyz' })).statusCode, 200);
    assertProblem(await t.app.inject({ method: 'GET', url: '/health' }), 401, 'UNAUTHENTICATED');
    assert.equal(
      (await t.app.inject({ method: 'GET', url: '/health', headers: t.admin })).statusCode,
      200,
    );
  });

  it('refuses to start with a /v1 route that declares no scope', async () => {
    const fresh = await buildTestApp();
    assert.throws(
      () => fresh.app.get('/v1/forgotten', async () => ({ open: true })),
      /declares no scope/,
    );
  });
});

describe('JWT authentication (HS256)', () => {
  let t: TestApp;
  before(async () => {
    t = await buildTestApp({ QUIRE_JWT_SECRET: TEST_JWT_SECRET, QUIRE_AUTH_FAILURE_LIMIT: '1000' });
    t.app.get(
      '/test/whoami',
      { config: { scope: 'search', rateClass: 'read' } },
      async (request) => ({
        tenant: request.principal?.tenantId,
        actor: request.principal?.actor,
        scopes: [...(request.principal?.scopes ?? [])].sort(),
      }),
    );
  });

  const whoami = (token: string) =>
    t.app.inject({ method: 'GET', url: '/test/whoami', headers: bearer(token) });

  it('accepts a valid token: tenant from tid, actor from sub, scopes from scope', async () => {
    const response = await whoami(signHs256(claims()));
    assert.equal(response.statusCode, 200, response.body);
    assert.deepEqual(response.json(), {
      tenant: 'acme',
      actor: 'jwt:user-1',
      scopes: ['documents:read', 'search'],
    });
  });

  it('accepts scope as an array, ignoring unknown scopes', async () => {
    const response = await whoami(signHs256(claims({ scope: ['search', 'root'] })));
    assert.deepEqual(response.json().scopes, ['search']);
  });

  it('tolerates 30 s of clock skew on exp and nbf, and no more', async () => {
    const now = Math.floor(Date.now() / 1000);
    assert.equal((await whoami(signHs256(claims({ exp: now - 20 })))).statusCode, 200);
    assert.equal((await whoami(signHs256(claims({ nbf: now + 20 })))).statusCode, 200);
    assertProblem(await whoami(signHs256(claims({ exp: now - 60 }))), 401, 'UNAUTHENTICATED');
    assertProblem(await whoami(signHs256(claims({ nbf: now + 60 }))), 401, 'UNAUTHENTICATED');
  });

  const forged: [string, () => string][] = [
    ['alg none', () => forge({ alg: 'none', typ: 'JWT' }, claims())],
    ['alg none with a signature', () => forge({ alg: 'none' }, claims(), TEST_JWT_SECRET)],
    ['another secret', () => signHs256(claims(), 'another-secret-0123456789abcdef0123456789')],
    [
      'a tampered payload',
      () => {
        const [header, , signature] = signHs256(claims()).split('.');
        return `${header}.${Buffer.from(JSON.stringify(claims({ tid: 'globex' }))).toString('base64url')}.${signature}`;
      },
    ],
    ['no exp', () => signHs256({ sub: 'user-1', tid: 'acme', scope: 'search' })],
    ['no tid', () => signHs256(claims({ tid: undefined }))],
    ['an empty tid', () => signHs256(claims({ tid: '' }))],
    ['no sub', () => signHs256(claims({ sub: undefined }))],
    ['HS512 (not allowed)', () => createHs512(claims())],
  ];
  for (const [label, token] of forged) {
    it(`401 for ${label}`, async () => {
      assertProblem(await whoami(token()), 401, 'UNAUTHENTICATED');
    });
  }

  it('403 for a valid token without the route’s scope', async () => {
    const body = assertProblem(
      await whoami(signHs256(claims({ scope: 'documents:read' }))),
      403,
      'FORBIDDEN',
    );
    assert.match(String(body.detail), /"search"/);
  });
});

function createHs512(payload: Record<string, unknown>): string {
  return forge({ alg: 'HS512', typ: 'JWT' }, payload, TEST_JWT_SECRET);
}

describe('JWT authentication (RS256 public key)', () => {
  let t: TestApp;
  let rsa: RsaKeys;
  before(async () => {
    rsa = rsaKeys();
    t = await buildTestApp({
      QUIRE_JWT_PUBLIC_KEY_FILE: rsa.publicKeyFile,
      QUIRE_AUTH_FAILURE_LIMIT: '1000',
    });
    t.app.get(
      '/test/whoami',
      { config: { scope: 'search', rateClass: 'read' } },
      async (request) => ({
        tenant: request.principal?.tenantId,
      }),
    );
  });
  const whoami = (token: string) =>
    t.app.inject({ method: 'GET', url: '/test/whoami', headers: bearer(token) });

  it('accepts an RS256 token signed by the private key', async () => {
    const response = await whoami(rsa.sign(claims()));
    assert.equal(response.statusCode, 200, response.body);
    assert.deepEqual(response.json(), { tenant: 'acme' });
  });

  it('401 for HS256 signed with the public key (algorithm confusion)', async () => {
    assertProblem(
      await whoami(forge({ alg: 'HS256', typ: 'JWT' }, claims(), rsa.publicPem)),
      401,
      'UNAUTHENTICATED',
    );
  });

  it('401 for alg none and for an RS256 token from another key', async () => {
    assertProblem(await whoami(forge({ alg: 'none' }, claims())), 401, 'UNAUTHENTICATED');
    assertProblem(await whoami(rsaKeys().sign(claims())), 401, 'UNAUTHENTICATED');
  });
});

describe('brute-force guard', () => {
  it('answers 429 with Retry-After to an address past its failed attempts, even with a valid key', async () => {
    const t = await buildTestApp({ QUIRE_AUTH_FAILURE_LIMIT: '3' });
    const attacker = { remoteAddress: '198.51.100.23' };
    for (let i = 0; i < 3; i++) {
      const response = await t.app.inject({
        method: 'GET',
        url: KEYS_URL,
        headers: bearer(`qk_${'g'.repeat(40)}${i}`),
        ...attacker,
      });
      assertProblem(response, 401, 'UNAUTHENTICATED');
    }
    const blocked = await t.app.inject({
      method: 'GET',
      url: KEYS_URL,
      headers: t.admin,
      ...attacker,
    });
    assertProblem(blocked, 429, 'RATE_LIMITED');
    assert.ok(Number(blocked.headers['retry-after']) > 0);
    // Another address is not affected.
    const other = await t.app.inject({
      method: 'GET',
      url: KEYS_URL,
      headers: t.admin,
      remoteAddress: '198.51.100.99',
    });
    assert.equal(other.statusCode, 200);
    const metrics = await t.app.inject({ method: 'GET', url: '/metrics' });
    assert.match(metrics.body, /auth_failures_total\{reason="blocked"\} 1/);
  });
});

describe('QUIRE_AUTH=off', () => {
  it('serves tenant default with every scope and warns at start', async () => {
    const t = await buildTestApp({ QUIRE_AUTH: 'off' });
    const response = await t.app.inject({ method: 'GET', url: KEYS_URL });
    assert.equal(response.statusCode, 200);
    assert.ok(
      t.logs.some((line) => line.level === 'warn' && /QUIRE_AUTH=off/.test(String(line.msg))),
    );
  });
});
