import { readFileSync } from 'node:fs';
import { build, defineConfig } from 'tsup';

// Two bundles. dist/host.js is the sandbox host (`ml-intern-sandbox-host`): one small file with no
// dependency but Node, which the local sandbox runs inside bubblewrap as `node -e <code>`; its
// text is built first and inlined into dist/index.js, so apps that bundle this package carry it.
export default defineConfig(async () => {
  await build({
    config: false,
    entry: { host: 'src/host-main.ts' },
    format: ['esm'],
    platform: 'node',
    target: 'node20',
    outDir: 'dist',
    splitting: false,
    sourcemap: false,
    minify: true,
    clean: false,
    dts: false,
    silent: true,
    banner: { js: '#!/usr/bin/env node' },
  });
  const hostCode = readFileSync('dist/host.js', 'utf8');
  return {
    entry: ['src/index.ts'],
    format: ['esm'],
    dts: true,
    clean: ['!host.js'],
    sourcemap: true,
    target: 'node20',
    define: { __ML_INTERN_SANDBOX_HOST__: JSON.stringify(hostCode) },
  };
});
