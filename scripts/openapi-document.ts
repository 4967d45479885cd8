/**
 * Writes Quire's OpenAPI document (the one `GET /openapi.json` serves) to a file, without
 * listening: the app is built on a throw-away data directory, asked for its document and closed.
 * `npm run client:build` feeds it to openapi-typescript for the SDK's types (packages/client).
 *
 *   tsx scripts/openapi-document.ts <output.json>
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/logger.js';

const output = process.argv[2];
if (output === undefined) {
  console.error('usage: tsx scripts/openapi-document.ts <output.json>');
  process.exit(2);
}
const dataDir = mkdtempSync(join(tmpdir(), 'quire-openapi-'));
try {
  const config = loadConfig({ QUIRE_DATA_DIR: dataDir, QUIRE_LOG_LEVEL: 'silent' });
  // The throw-away database's generated admin key is of no use to anyone: not shown.
  const app = await buildApp({
    config,
    logger: createLogger('silent'),
    revealBootstrapKey: () => {},
  });
  try {
    const response = await app.inject({ method: 'GET', url: '/openapi.json' });
    if (response.statusCode !== 200)
      throw new Error(`GET /openapi.json answered ${response.statusCode}`);
    writeFileSync(output, `${JSON.stringify(response.json(), null, 2)}\n`);
  } finally {
    await app.close();
  }
} finally {
  rmSync(dataDir, { recursive: true, force: true });
}
