// Imports the package entry and builds the tool list the way an app does at start-up, writes a
// STARTED line to the module log, then converts HTML and loads the Hub library.
// Usage: node --import tsx import-entry.mts <log file>
import { appendFileSync } from 'node:fs';
import { register } from 'node:module';

const logPath = process.argv[2];
if (!logPath) throw new Error('usage: import-entry.mts <log file>');
register('./record-resolved-urls.mjs', import.meta.url, { data: { logPath } });

const { hfTools } = await import('../index.js');
hfTools({});
appendFileSync(logPath, 'STARTED\n');

const { htmlToMarkdown } = await import('../html-to-markdown.js');
await htmlToMarkdown('<p>first conversion</p>');
const { loadHub } = await import('../hub-library.js');
await loadHub();
