/**
 * The layer check (`npm run layers`, part of `npm test`): the arrows of docs/architecture.md,
 * http → domain → ports ← adapters, as rules a wrong import fails. Type-only imports count: a
 * port that names a domain type depends on the domain as much as one that calls it.
 */

/** Every file of ours outside the given folders/files (the allowed ones). */
const outside = (...allowed) => `^src/(?!(${allowed.join('|')}))`;

/** Libraries that are infrastructure: only adapters and the composition root may use them. */
const INFRASTRUCTURE =
  '^node_modules/(pg|ioredis|bullmq|kysely|better-sqlite3|undici|piscina|onnxruntime-node|@aws-sdk)/';
const HTTP_FRAMEWORK = '^node_modules/(fastify|@fastify|fastify-plugin|find-my-way)/';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'ports-depend-on-nothing',
      comment: 'Ports are the interfaces and the types they speak; they import only each other.',
      severity: 'error',
      from: { path: '^src/ports/' },
      to: { path: outside('ports/') },
    },
    {
      name: 'shared-depends-on-nothing',
      comment: 'src/shared holds pure helpers every layer may use; they import nothing of ours.',
      severity: 'error',
      from: { path: '^src/shared/' },
      to: { path: outside('shared/') },
    },
    {
      name: 'errors-build-on-the-registry',
      comment:
        'AppError builds on the one failure registry (src/ports/failures.ts) and nothing else of ours.',
      severity: 'error',
      from: { path: '^src/errors\\.ts$' },
      to: { path: '^src/', pathNot: '^src/ports/failures\\.ts$' },
    },
    {
      name: 'domain-sees-only-ports',
      comment:
        'Domain services use ports, shared helpers and the error catalogue: never adapters, HTTP, jobs, config or extraction internals.',
      severity: 'error',
      from: { path: '^src/domain/' },
      to: { path: outside('domain/', 'ports/', 'shared/', 'errors\\.ts$') },
    },
    {
      name: 'domain-uses-no-infrastructure',
      severity: 'error',
      from: { path: '^src/domain/' },
      to: { path: [INFRASTRUCTURE, HTTP_FRAMEWORK, '^node_modules/(prom-client|pino)/'] },
    },
    {
      name: 'adapters-implement-ports',
      comment:
        'Adapters implement ports; they never reach into the domain, HTTP, jobs or config (the composition root hands them their settings).',
      severity: 'error',
      from: { path: '^src/adapters/' },
      to: {
        path: outside(
          'adapters/',
          'ports/',
          'shared/',
          'migrations/',
          'errors\\.ts$',
          'version\\.ts$',
        ),
      },
    },
    {
      name: 'extraction-is-an-adapter',
      comment:
        'Extraction runs in worker threads behind the Extractor port: ports, shared helpers, errors and the worker-pool factory only.',
      severity: 'error',
      from: { path: '^src/extraction/' },
      to: {
        path: outside('extraction/', 'ports/', 'shared/', 'errors\\.ts$', 'adapters/worker-pool/'),
      },
    },
    {
      name: 'http-calls-the-domain',
      comment:
        'Routes and plugins call domain services and speak ports types; infrastructure reaches them from the composition root, metrics from src/observability.',
      severity: 'error',
      from: { path: '^src/http/' },
      to: {
        path: outside(
          'http/',
          'domain/',
          'ports/',
          'shared/',
          'errors\\.ts$',
          'version\\.ts$',
          'config\\.ts$',
          'observability/',
        ),
      },
    },
    {
      name: 'http-uses-no-storage-clients',
      severity: 'error',
      from: { path: '^src/http/' },
      to: { path: INFRASTRUCTURE },
    },
    {
      name: 'jobs-call-the-domain',
      comment:
        'The background side (runner, handlers, start-up) drives domain services like HTTP does, and feeds the job metrics.',
      severity: 'error',
      from: { path: '^src/jobs/' },
      to: {
        path: outside(
          'jobs/',
          'domain/',
          'ports/',
          'shared/',
          'errors\\.ts$',
          'config\\.ts$',
          'observability/',
        ),
      },
    },
    {
      name: 'jobs-use-no-infrastructure',
      severity: 'error',
      from: { path: '^src/jobs/' },
      to: { path: [INFRASTRUCTURE, HTTP_FRAMEWORK] },
    },
    {
      name: 'threads-run-the-domain',
      comment: 'Worker-thread entries run domain functions off the main thread.',
      severity: 'error',
      from: { path: '^src/threads/' },
      to: { path: outside('threads/', 'domain/', 'ports/', 'shared/', 'errors\\.ts$') },
    },
    {
      name: 'piscina-only-in-the-factory',
      comment:
        'Worker threads are made by one factory (src/adapters/worker-pool/), so every pool has the same FIFO queue, limits and typed failures; worker entries mark results with shared/transferable.ts.',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/adapters/worker-pool/' },
      to: { path: '^node_modules/piscina/' },
    },
    {
      name: 'observability-defines-metrics',
      comment:
        'The metrics module defines every metric; it reads the ports types its gauges report.',
      severity: 'error',
      from: { path: '^src/observability/' },
      to: { path: outside('observability/', 'ports/', 'shared/') },
    },
    {
      name: 'migrations-stand-alone',
      severity: 'error',
      from: { path: '^src/migrations/' },
      to: { path: outside('migrations/') },
    },
    {
      name: 'config-is-parsed-not-wired',
      comment:
        'config.ts composes the settings tables of src/settings and parses them into domain values; it builds nothing.',
      severity: 'error',
      from: { path: '^src/config\\.ts$' },
      to: { path: outside('settings/', 'domain/', 'ports/', 'shared/', 'errors\\.ts$') },
    },
    {
      name: 'settings-are-parsed-not-wired',
      comment:
        'src/settings holds the settings tables and their parsers, one concern a file: like config.ts, they read domain values and build nothing.',
      severity: 'error',
      from: { path: '^src/settings/' },
      to: { path: outside('settings/', 'domain/', 'ports/', 'shared/', 'errors\\.ts$') },
    },
    {
      name: 'client-cli-speaks-through-the-sdk',
      comment:
        'The end-user commands (upload, ls, search…) are a client of the HTTP API like any other: they use the SDK (@quire/client) and none of the server’s code.',
      severity: 'error',
      from: { path: '^src/client-cli/' },
      to: { path: outside('client-cli/') },
    },
    {
      name: 'nothing-imports-the-client-cli',
      comment: 'Only the `quire` binary (src/cli.ts) dispatches to the client commands.',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/(client-cli/|cli\\.ts$)' },
      to: { path: '^src/client-cli/' },
    },
    {
      name: 'every-file-has-a-layer',
      comment:
        'A file outside the known folders has no rules: place it in a layer (or add one here, with its arrows).',
      severity: 'error',
      from: {
        path: '^src/',
        pathNot:
          '^src/((ports|shared|domain|adapters|extraction|http|jobs|threads|migrations|composition|observability|settings|client-cli)/|(app|server|api-cluster|cli|keys-cli|config|errors|version|logger)\\.ts$)',
      },
      to: {},
    },
    {
      name: 'no-circular',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.js', '.mjs', '.cjs', '.json'],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
