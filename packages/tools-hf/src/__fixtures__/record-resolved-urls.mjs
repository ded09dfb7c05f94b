// Module customization hooks (`module.register`) that append every resolved module URL to the file
// named by `initialize`, so a test can see which packages an import pulled in.
import { appendFileSync } from 'node:fs';

let logPath;

export function initialize(data) {
  logPath = data.logPath;
}

export async function resolve(specifier, context, nextResolve) {
  const resolved = await nextResolve(specifier, context);
  appendFileSync(logPath, `${resolved.url}\n`);
  return resolved;
}
