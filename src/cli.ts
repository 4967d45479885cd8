#!/usr/bin/env node
/**
 * `quire [start|serve|worker|migrate]`
 *   start    API and workers in one process (the embedded default)
 *   serve    an API process (scale-out)
 *   worker   a worker process (scale-out)
 *   migrate  apply pending database migrations and exit
 *   keys     create, list or revoke API keys offline (`quire keys` for usage)
 */
import { startTracing } from './composition/tracing.js';
import { ConfigError, loadConfig, type Config, type Role } from './config.js';
import { createLogger } from './logger.js';
import { startBanner } from './start-banner.js';
import { VERSION } from './version.js';

const USAGE = 'usage: quire [start|serve|worker|migrate|keys]';
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

async function main(argv: string[]): Promise<void> {
  const command = argv[0] ?? 'start';
  if (command === '--help' || command === '-h' || command === 'help') {
    console.log(USAGE);
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
  // Tracing patches pg and ioredis as they load: it starts before the server's modules do.
  await startTracing(process.env);
  const { startServer } = await import('./server.js');
  const server = await startServer({
    config: effective,
    logger: createLogger(effective.logLevel),
  });
  if (effective.role !== 'worker') {
    const banner = { url: server.url, version: VERSION, auth: effective.auth };
    const { adminKey } = server;
    process.stdout.write(startBanner(adminKey === undefined ? banner : { ...banner, adminKey }));
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  console.error(`quire: failed to start: ${(error as Error)?.message ?? String(error)}`);
  process.exit(1);
});
