import { readFileSync } from 'node:fs';

// Replaced at build time by the bundled host program (tsup `define`, see tsup.config.ts).
declare const __ML_INTERN_SANDBOX_HOST__: string | undefined;

let cached: string | undefined;

/**
 * The sandbox host's program text (`dist/host.js`, the `ml-intern-sandbox-host` bin), run as
 * `node --input-type=module -e <code>`: it needs no file inside the sandbox, and the apps that
 * bundle this package carry it along.
 */
export function sandboxHostCode(): string {
  if (cached !== undefined) return cached;
  let code = typeof __ML_INTERN_SANDBOX_HOST__ === 'string' ? __ML_INTERN_SANDBOX_HOST__ : undefined;
  if (code === undefined) {
    // Running from the sources (tests in other packages): the bundle tsup wrote.
    for (const candidate of ['./host.js', '../dist/host.js']) {
      try {
        code = readFileSync(new URL(candidate, import.meta.url), 'utf8');
        break;
      } catch {
        // try the next place
      }
    }
  }
  if (code === undefined) throw new Error('the sandbox host program is missing: build @ml-intern/sandbox first (pnpm --filter @ml-intern/sandbox build)');
  cached = code.startsWith('#!') ? code.slice(code.indexOf('\n') + 1) : code;
  return cached;
}
