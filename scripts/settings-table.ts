// Prints the settings table (Markdown) from src/config.ts, for README.md. A test checks that
// README.md carries every row exactly as printed here, so the docs cannot drift from the code.
import { settingsTableRows } from '../src/config.js';

console.log('| variable | default | meaning |\n| --- | --- | --- |');
for (const row of settingsTableRows()) console.log(row);
