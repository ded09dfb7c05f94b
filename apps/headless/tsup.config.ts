import { fileURLToPath } from 'node:url';
import { defineConfig } from 'tsup';
import { appBundle } from '../cli/tsup.config.js';

// Self-contained like the CLI: workspace packages and pure-JavaScript dependencies are bundled.
// The CLI's runtime is bundled from its sources: its built file already carries the bundle banner.
export default defineConfig({
  ...appBundle,
  entry: { main: 'src/main.ts' },
  esbuildOptions(options) {
    options.alias = { '@ml-intern/cli/runtime': fileURLToPath(new URL('../cli/src/runtime/index.ts', import.meta.url)) };
  },
});
