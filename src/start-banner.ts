/**
 * What `quire start` prints once it listens: where the web console (when built), the API and its
 * reference are, the admin key when this start created it (shown this once), one upload to copy
 * and paste, and how to get a new admin key when the first one is lost.
 */

export interface BannerInput {
  /** The address the server listens on, as `app.listen` returned it. */
  url: string;
  version: string;
  auth: boolean;
  /** The admin key this start created, if it did. */
  adminKey?: string;
  /** Whether the web console is built (served at /console/). */
  console?: boolean;
}

/** The address to type in: a wildcard bind is reached through loopback. */
export function reachableUrl(listening: string): string {
  const url = new URL(listening);
  if (url.hostname === '0.0.0.0') url.hostname = '127.0.0.1';
  if (url.hostname === '[::]') url.hostname = 'localhost';
  return url.origin;
}

/** The notice for a key created while no banner follows (API-less roles). */
export function bootstrapKeyNotice(key: string): string {
  return (
    `\nQuire: no API keys existed, so an admin key for tenant "default" was created.\n` +
    `It is shown this once and stored only as a hash:\n\n    ${key}\n\n`
  );
}

export const RECOVERY_COMMAND = 'node dist/cli.js keys create --admin --name recovery';

export function startBanner({ url, version, auth, adminKey, console }: BannerInput): string {
  const base = reachableUrl(url);
  const lines = [
    '',
    `Quire ${version} is running.`,
    '',
    ...(console === true ? [`  Web console     ${base}/console/`] : []),
    `  API             ${base}`,
    `  API reference   ${base}/docs   (OpenAPI document: ${base}/openapi.json)`,
    '',
  ];
  let authorization = '';
  if (!auth) {
    lines.push('  Auth is off (QUIRE_AUTH=off): every request is served as tenant "default".', '');
  } else if (adminKey !== undefined) {
    lines.push(
      '  No API keys existed, so an admin key for tenant "default" was created.',
      '  It is shown this once and stored only as a hash:',
      '',
      `      ${adminKey}`,
      '',
    );
    authorization = `-H "Authorization: Bearer ${adminKey}" `;
  } else {
    authorization = '-H "Authorization: Bearer $QUIRE_API_KEY" ';
  }
  lines.push(
    '  Upload a file and get its document and extraction job:',
    '',
    `      curl ${authorization}-F file=@README.md ${base}/v1/documents`,
    '',
  );
  if (auth) {
    lines.push(
      '  Lost the admin key? With the same settings (QUIRE_DATA_DIR / QUIRE_DATABASE_URL), run:',
      '',
      `      ${RECOVERY_COMMAND}`,
      '',
    );
  }
  return `${lines.join('\n')}\n`;
}
