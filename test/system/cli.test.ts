/** The `quire` command as operators run it: bad settings exit 1 with one line; migrate works. */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import pg from 'pg';
import { buildTestApp, onCleanup, tempDir } from '../helpers/app.js';
import { createPostgresSchema } from '../helpers/databases.js';
import { runScript } from '../helpers/process.js';
import { TEST_REDIS_URL } from '../helpers/redis.js';

const CLI = 'src/cli.ts';

describe('quire CLI', () => {
  for (const [variable, value] of [
    ['QUIRE_PORT', 'abc'],
    ['QUIRE_DATABASE_URL', 'mysql://localhost/quire'],
    ['QUIRE_LOG_LEVEL', 'loud'],
    ['QUIRE_CORS_ORIGINS', 'https://a.example/path'],
  ] as const) {
    it(`start with a bad ${variable} exits 1 with one line naming it`, async () => {
      const result = await runScript(CLI, ['start'], {
        [variable]: value,
        QUIRE_DATA_DIR: tempDir(),
      });
      assert.equal(result.code, 1);
      const lines = result.stderr
        .split('\n')
        .filter((line) => line.trim() !== '' && !line.includes('ExperimentalWarning'));
      assert.equal(lines.length, 1, `one line, got: ${result.stderr}`);
      assert.match(lines[0] ?? '', new RegExp(`^quire: invalid configuration: ${variable}: `));
      assert.equal(result.stdout, '', 'nothing started');
    });
  }

  it('an unknown command exits 2 with the usage', async () => {
    const result = await runScript(CLI, ['frobnicate'], {});
    assert.equal(result.code, 2);
    assert.match(result.stderr, /usage: quire/);
  });

  it('migrate creates the embedded database and is idempotent', async () => {
    const dataDir = tempDir();
    const first = await runScript(CLI, ['migrate'], { QUIRE_DATA_DIR: dataDir });
    assert.equal(first.code, 0, first.stderr);
    assert.ok(existsSync(join(dataDir, 'quire.db')));
    assert.match(
      first.stdout,
      /"applied":\["0001-tenants","0002-api-keys-and-audit-log","0003-idempotency-keys","0004-documents-and-jobs","0005-extraction","0006-webhooks","0007-search","0008-document-dedupe-key","0009-sealed-content","0010-sealed-metadata-and-secrets","0011-deployment","0012-job-attempt-workers","0013-structured-passages","0014-document-parent","0015-search-fields","0016-passage-vectors","0017-staged-pages","0018-markdown-as-text"\]/,
    );
    const second = await runScript(CLI, ['migrate'], { QUIRE_DATA_DIR: dataDir });
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stdout, /database is up to date/);
  });

  it('migrate applies the PostgreSQL migrations', async () => {
    const schema = await createPostgresSchema();
    onCleanup(() => schema.drop());
    const result = await runScript(CLI, ['migrate'], { QUIRE_DATABASE_URL: schema.url });
    assert.equal(result.code, 0, result.stderr);
    const client = new pg.Client({ connectionString: schema.url });
    await client.connect();
    const { rows } = await client.query<{ n: string }>(
      "select count(*) as n from information_schema.tables where table_schema = current_schema() and table_name = 'tenants'",
    );
    await client.end();
    assert.equal(rows[0]?.n, '1');
  });

  it('migrate against an unreachable database exits 1 with a clear message', async () => {
    const result = await runScript(CLI, ['migrate'], {
      QUIRE_DATABASE_URL: 'postgres://postgres@127.0.0.1:1/test',
      QUIRE_READY_CHECK_TIMEOUT_MS: '500',
    });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /^quire: failed to start: /m);
  });
});

describe('quire keys (offline)', () => {
  it('creates, lists and revokes keys against the configured database; the key works over HTTP', async () => {
    const dataDir = tempDir();
    const env = { QUIRE_DATA_DIR: dataDir };
    const created = await runScript(
      CLI,
      [
        'keys',
        'create',
        '--name',
        'ci bot',
        '--tenant',
        'acme',
        '--scopes',
        'search,documents:read',
      ],
      env,
    );
    assert.equal(created.code, 0, created.stderr);
    const key = JSON.parse(created.stdout) as {
      id: string;
      key: string;
      tenant_id: string;
      scopes: string[];
    };
    assert.match(key.key, /^qk_/);
    assert.equal(key.tenant_id, 'acme');

    const listed = await runScript(CLI, ['keys', 'list', '--tenant', 'acme'], env);
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, new RegExp(key.id));
    assert.doesNotMatch(listed.stdout, new RegExp(key.key.slice(12)));

    const t = await buildTestApp({ QUIRE_DATA_DIR: dataDir });
    t.app.get('/test/who', { config: { scope: 'search', rateClass: 'read' } }, async (request) => ({
      tenant: request.principal?.tenantId,
    }));
    const who = await t.app.inject({
      method: 'GET',
      url: '/test/who',
      headers: { 'x-api-key': key.key },
    });
    assert.deepEqual(who.json(), { tenant: 'acme' });
    await t.app.close();

    const revoked = await runScript(CLI, ['keys', 'revoke', key.id], env);
    assert.equal(revoked.code, 0, revoked.stderr);
    const after = await buildTestApp({ QUIRE_DATA_DIR: dataDir });
    after.app.get(
      '/test/who',
      { config: { scope: 'search', rateClass: 'read' } },
      async () => ({}),
    );
    assert.equal(
      (
        await after.app.inject({
          method: 'GET',
          url: '/test/who',
          headers: { 'x-api-key': key.key },
        })
      ).statusCode,
      401,
    );
  });

  it('with Redis configured, revoke prints its one JSON line and nothing else (no warnings)', async () => {
    const env = {
      QUIRE_DATA_DIR: tempDir(),
      QUIRE_REDIS_URL: `${TEST_REDIS_URL}/9`,
      // Its own prefix on the shared Redis: the revocation notice reaches no other test.
      QUIRE_REDIS_PREFIX: `clirevoke${process.pid}`,
    };
    const created = await runScript(
      CLI,
      ['keys', 'create', '--name', 'to revoke', '--scopes', 'search'],
      env,
    );
    assert.equal(created.code, 0, created.stderr);
    assert.equal(created.stderr, '', 'create writes nothing on stderr');
    const { id } = JSON.parse(created.stdout) as { id: string };
    const revoked = await runScript(CLI, ['keys', 'revoke', id], env);
    assert.equal(revoked.code, 0, revoked.stderr);
    assert.equal(revoked.stderr, '', 'revoke writes nothing on stderr');
    assert.deepEqual(revoked.stdout.trim().split('\n'), [JSON.stringify({ id, revoked: true })]);
  });

  it('refuses bad arguments with exit 2 and the usage', async () => {
    const env = { QUIRE_DATA_DIR: tempDir() };
    for (const args of [
      ['keys'],
      ['keys', 'create', '--name', 'x', '--scopes', 'root'],
      ['keys', 'create', '--scopes', 'search'],
      ['keys', 'frob'],
    ]) {
      const result = await runScript(CLI, args, env);
      assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, /usage:/);
    }
  });
});
