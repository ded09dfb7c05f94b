import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'tsup';
import { defineConfig } from 'vitest/config';
import { workspaceAliases } from '../../vitest.shared.js';

// The tests run the sandbox host built from these sources (as dist/index.js does, see tsup.config.ts).
const outDir = fileURLToPath(new URL('./node_modules/.cache/sandbox-host', import.meta.url));
await build({ config: false, entry: { host: 'src/host-main.ts' }, format: ['esm'], platform: 'node', target: 'node20', outDir, splitting: false, sourcemap: false, minify: true, clean: false, dts: false, silent: true });
const hostCode = readFileSync(`${outDir}/host.js`, 'utf8');

export default defineConfig({
  resolve: { alias: workspaceAliases(import.meta.dirname) },
  define: { __ML_INTERN_SANDBOX_HOST__: JSON.stringify(hostCode) },
  test: { testTimeout: 20_000 },
});
