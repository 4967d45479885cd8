#!/usr/bin/env node
/**
 * `quire [start|serve|worker|migrate]`
 *   start    API and workers in one process (the embedded default)
 *   serve    an API process (scale-out)
 *   worker   a worker process (scale-out)
 *   migrate  apply pending database migrations and exit
 *   keys     create, list or revoke API keys offline (`quire keys` for usage)
 * and, spoken to a running Quire through the SDK (src/client-cli):
 *   upload, ls, get, search, rerank, jobs, convert, rm   (`quire upload --help`)
 */
import cluster from 'node:cluster';
import { API_PROCESS_ENV } from './api-cluster.js';
import { builtConsoleDir } from './composition/console-dir.js';
import { startTracing } from './composition/tracing.js';
import { ConfigError, loadConfig, type Config, type Role } from './config.js';
import { createLogger } from './logger.js';
import { startBanner } from './start-banner.js';
import { VERSION } from './version.js';

const USAGE =
  'usage: quire [start|serve|worker|migrate|keys]\n' +
  '       quire [upload|ls|get|search|rerank|jobs|convert|rm] …   (quire upload --help)';
const CLIENT_COMMANDS = new Set([
  'upload',
  'ls',
  'get',
  'search',
  'rerank',
  'jobs',
  'convert',
  'rm',
]);
const ROLE_BY_COMMAND: Record<string, Role> = { start: 'all', serve: 'api', worker: 'worker' };

function configOrExit(): Config {
  try {
    return loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`quire: invalid configuration: ${error.message}`);
      process.exit(1);
    }
    throw error;
  }
}

async function migrate(config: Config): Promise<void> {
  const { migrateToLatest } = await import('./adapters/sql/migrate.js');
  const { openDatabase } = await import('./composition/database.js');
  const logger = createLogger(config.logLevel);
  const database = openDatabase(config, logger);
  try {
    const { applied } = await migrateToLatest(database);
    logger.info(
      { applied, dialect: database.dialect },
      applied.length ? 'migrations applied' : 'database is up to date',
    );
  } finally {
    await database.close();
  }
}

/** Why this configuration cannot run several API processes, if it cannot. */
function clusterRefusal(config: Config): string | undefined {
  if (config.role !== 'api')
    return '> 1 needs the api role (`quire serve`): job workers run as their own processes';
  if (config.redisUrl === undefined)
    return '> 1 needs QUIRE_REDIS_URL: rate limits, key revocations and job events must be shared by the processes';
  return undefined;
}

/** The primary of `QUIRE_API_PROCESSES` > 1: it serves nothing and prints the banner once. */
async function startApiCluster(config: Config): Promise<void> {
  const { runApiCluster } = await import('./api-cluster.js');
  const consoleBuilt = builtConsoleDir(config) !== null;
  runApiCluster({
    processes: config.apiProcesses,
    logger: createLogger(config.logLevel),
    shutdownTimeoutMs: config.shutdownTimeoutMs,
    onListening: ({ url, adminKey }) => {
      const banner = { url, version: VERSION, auth: config.auth, console: consoleBuilt };
      process.stdout.write(startBanner(adminKey === undefined ? banner : { ...banner, adminKey }));
    },
  });
}

async function main(argv: string[]): Promise<void> {
  const command = argv[0] ?? 'start';
  if (command === '--help' || command === '-h' || command === 'help') {
    console.log(USAGE);
    return;
  }
  if (CLIENT_COMMANDS.has(command)) {
    // Client commands read QUIRE_URL/QUIRE_API_KEY, not the server's settings.
    const { clientCommand } = await import('./client-cli/main.js');
    process.exitCode = await clientCommand(command, argv.slice(1));
    return;
  }
  const config = configOrExit();
  if (command === 'migrate') return migrate(config);
  if (command === 'keys') {
    const { keysCommand } = await import('./keys-cli.js');
    process.exitCode = await keysCommand(argv.slice(1), config, createLogger('warn'));
    return;
  }
  const role = ROLE_BY_COMMAND[command];
  if (role === undefined) {
    console.error(`quire: unknown command "${command}"\n${USAGE}`);
    process.exit(2);
  }
  // `start` honours QUIRE_ROLE; `serve` and `worker` name their role themselves.
  const effective: Config = command === 'start' ? config : { ...config, role };
  if (effective.apiProcesses > 1) {
    const refusal = clusterRefusal(effective);
    if (refusal !== undefined) {
      console.error(`quire: invalid configuration: QUIRE_API_PROCESSES ${refusal}`);
      process.exit(1);
    }
    if (cluster.isPrimary) return startApiCluster(effective);
  }
  // Tracing patches pg and ioredis as they load: it starts before the server's modules do.
  await startTracing(process.env);
  const { startServer } = await import('./server.js');
  const clusterProcess = cluster.isWorker ? process.env[API_PROCESS_ENV] : undefined;
  const inCluster = clusterProcess !== undefined;
  const logger = createLogger(effective.logLevel);
  const server = await startServer({
    config: effective,
    logger: inCluster ? logger.child({ api_process: Number(clusterProcess) }) : logger,
    // A terminal's Ctrl-C reaches the whole process group: the primary turns it into one SIGTERM.
    ...(inCluster ? { signals: ['SIGTERM'] as const, ignoredSignals: ['SIGINT'] as const } : {}),
  });
  if (inCluster) {
    const { url, adminKey } = server;
    process.send?.({
      type: 'quire:listening',
      url,
      ...(adminKey === undefined ? {} : { adminKey }),
    });
  } else if (effective.role !== 'worker') {
    const banner = {
      url: server.url,
      version: VERSION,
      auth: effective.auth,
      console: builtConsoleDir(effective) !== null,
    };
    const { adminKey } = server;
    process.stdout.write(startBanner(adminKey === undefined ? banner : { ...banner, adminKey }));
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  console.error(`quire: failed to start: ${(error as Error)?.message ?? String(error)}`);
  process.exit(1);
});
