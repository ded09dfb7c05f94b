import { fileURLToPath } from 'node:url';
import { defineConfig } from 'tsup';
import { appBundle } from '../cli/tsup.config.js';

// Self-contained like the CLI: workspace packages and pure-JavaScript dependencies are bundled.
// The CLI's modules are bundled from their sources: its built files already carry the bundle banner.
export default defineConfig({
  ...appBundle,
  entry: { main: 'src/main.ts' },
  esbuildOptions(options) {
    options.alias = {
      '@ml-intern/cli/runtime': fileURLToPath(new URL('../cli/src/runtime/index.ts', import.meta.url)),
      '@ml-intern/cli/program': fileURLToPath(new URL('../cli/src/program.ts', import.meta.url)),
    };
  },
});
