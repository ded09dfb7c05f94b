import { defineConfig } from 'tsup';
import { appBundle } from '../cli/tsup.config.js';

// Self-contained like the CLI: workspace packages and pure-JavaScript dependencies are bundled.
export default defineConfig({ ...appBundle, entry: { main: 'src/main.ts' } });
