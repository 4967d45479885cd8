// Prints the settings table (Markdown) from src/config.ts; with --write, replaces the table in
// README.md. A test checks that README.md carries every row, so the docs cannot drift from the code.
import { readFileSync, writeFileSync } from 'node:fs';
import { settingsTableRows } from '../src/config.js';

const table = [
  '| variable | default | meaning |',
  '| --- | --- | --- |',
  ...settingsTableRows(),
].join('\n');

if (process.argv.includes('--write')) {
  // The table sits between two markers, so the README may hold other tables around it.
  const path = new URL('../README.md', import.meta.url);
  const readme = readFileSync(path, 'utf8');
  const startMarker = /^<!-- settings:start[^\n]*-->\n/m.exec(readme);
  const end = readme.indexOf('<!-- settings:end -->');
  if (startMarker === null || end < startMarker.index)
    throw new Error(
      'README.md lacks the <!-- settings:start … --> / <!-- settings:end --> markers',
    );
  const start = startMarker.index + startMarker[0].length;
  writeFileSync(path, `${readme.slice(0, start)}\n${table}\n\n${readme.slice(end)}`);
} else {
  console.log(table);
}
