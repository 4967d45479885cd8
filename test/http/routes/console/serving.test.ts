/**
 * Quire serves the built web console at /console/ with its own strict CSP (nothing inline,
 * nothing from elsewhere), sends `GET /` there when it is built (to /docs when not), answers
 * problem+json 404 for what is not there, and GET /v1/whoami tells the console what a key may do.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { startBanner } from '../../../../src/start-banner.js';
import { buildTestApp, createApiKey, tempDir, type TestApp } from '../../../helpers/app.js';

/** A stand-in for console/dist: an index.html and one hashed asset. */
function fakeConsole(): string {
  const dir = tempDir('quire-console-');
  writeFileSync(
    join(dir, 'index.html'),
    '<!doctype html><title>Quire console</title><script type="module" src="/console/assets/app-1.js"></script>',
  );
  mkdirSync(join(dir, 'assets'));
  writeFileSync(join(dir, 'assets', 'app-1.js'), 'export {};\n');
  return dir;
}

describe('the web console, when built', () => {
  let t: TestApp;
  before(async () => {
    t = await buildTestApp({ QUIRE_CONSOLE_DIR: fakeConsole() });
  });

  it('serves index.html at /console/ under a CSP that allows only this origin', async () => {
    const page = await t.app.inject({ method: 'GET', url: '/console/' });
    assert.equal(page.statusCode, 200);
    assert.match(String(page.headers['content-type']), /^text\/html/);
    assert.match(page.body, /<title>Quire console<\/title>/);
    const csp = String(page.headers['content-security-policy']);
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /script-src 'self'(;|$)/);
    assert.match(csp, /style-src 'self'(;|$)/);
    assert.match(csp, /connect-src 'self'(;|$)/);
    assert.match(csp, /frame-ancestors 'none'/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|\*/);
    assert.equal(page.headers['cache-control'], 'no-cache');
    assert.ok(page.headers['x-request-id'], 'the cross-cutting headers are there too');
  });

  it('serves hashed assets for good, and /console redirects to /console/', async () => {
    const asset = await t.app.inject({ method: 'GET', url: '/console/assets/app-1.js' });
    assert.equal(asset.statusCode, 200);
    assert.match(String(asset.headers['content-type']), /javascript/);
    assert.match(String(asset.headers['cache-control']), /immutable/);
    const bare = await t.app.inject({ method: 'GET', url: '/console' });
    assert.equal(bare.statusCode, 301);
    assert.equal(bare.headers.location, '/console/');
  });

  it('answers problem+json 404 (never 500) for what is not there', async () => {
    for (const url of [
      '/console/nope.js',
      '/console/assets/missing.css',
      '/console/../package.json',
    ]) {
      const response = await t.app.inject({ method: 'GET', url });
      assert.equal(response.statusCode, 404, url);
      assert.match(String(response.headers['content-type']), /problem\+json/, url);
      assert.equal(response.json().code, 'NOT_FOUND', url);
    }
    const post = await t.app.inject({ method: 'POST', url: '/console/', payload: {} });
    assert.ok([404, 405].includes(post.statusCode), `POST /console/ → ${post.statusCode}`);
    assert.match(String(post.headers['content-type']), /problem\+json/);
  });

  it('keeps the API’s own CSP off the console', async () => {
    const live = await t.app.inject({ method: 'GET', url: '/livez' });
    const csp = String(live.headers['content-security-policy']);
    assert.match(csp, /default-src 'none'/);
    assert.doesNotMatch(csp, /connect-src/);
  });

  it('sends GET / to the console', async () => {
    const home = await t.app.inject({ method: 'GET', url: '/' });
    assert.equal(home.statusCode, 302);
    assert.equal(home.headers.location, '/console/');
  });
});

describe('without a built console', () => {
  it('sends GET / to /docs and /console/ answers 404', async () => {
    const t = await buildTestApp({ QUIRE_CONSOLE_DIR: tempDir('quire-console-empty-') });
    const home = await t.app.inject({ method: 'GET', url: '/' });
    assert.equal(home.statusCode, 302);
    assert.equal(home.headers.location, '/docs');
    const page = await t.app.inject({ method: 'GET', url: '/console/' });
    assert.equal(page.statusCode, 404);
  });
});

describe('GET /v1/whoami', () => {
  let t: TestApp;
  before(async () => {
    t = await buildTestApp({ QUIRE_CONSOLE_DIR: tempDir('quire-console-empty-') });
  });

  it('answers the tenant and every scope of an admin key', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/v1/whoami', headers: t.admin });
    assert.equal(response.statusCode, 200);
    const body = response.json();
    assert.equal(body.tenant_id, 'default');
    assert.equal(body.kind, 'api_key');
    assert.deepEqual(body.scopes, ['documents:read', 'documents:write', 'search', 'admin']);
  });

  it('answers a read-only key its one scope, whatever that scope is', async () => {
    const { id, key } = await createApiKey(t, {
      name: 'reader',
      tenant_id: 'acme',
      scopes: ['documents:read'],
    });
    const response = await t.app.inject({
      method: 'GET',
      url: '/v1/whoami',
      headers: { 'x-api-key': key },
    });
    assert.equal(response.statusCode, 200);
    assert.deepEqual(response.json(), {
      tenant_id: 'acme',
      kind: 'api_key',
      actor: id,
      scopes: ['documents:read'],
    });
  });

  it('refuses a missing or wrong key with 401', async () => {
    const none = await t.app.inject({ method: 'GET', url: '/v1/whoami' });
    assert.equal(none.statusCode, 401);
    const wrong = await t.app.inject({
      method: 'GET',
      url: '/v1/whoami',
      headers: { authorization: 'Bearer qk_wrong-key-0000000000000000000000000000' },
    });
    assert.equal(wrong.statusCode, 401);
    assert.equal(wrong.json().code, 'UNAUTHENTICATED');
  });
});

describe('the start banner', () => {
  it('names the console’s address when it is built, and only then', () => {
    const banner = { url: 'http://0.0.0.0:8080', version: '0.1.0', auth: true };
    assert.match(
      startBanner({ ...banner, console: true }),
      /Web console +http:\/\/127\.0\.0\.1:8080\/console\//,
    );
    assert.doesNotMatch(startBanner(banner), /Web console/);
  });
});
