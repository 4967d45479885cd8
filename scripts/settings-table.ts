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
  const path = new URL('../README.md', import.meta.url);
  const readme = readFileSync(path, 'utf8');
  const start = readme.search(/^\| variable +\| default/m);
  const end = readme.indexOf('\n\n', start);
  if (start < 0 || end < 0) throw new Error('README.md has no settings table to replace');
  writeFileSync(path, readme.slice(0, start) + table + readme.slice(end));
} else {
  console.log(table);
}
