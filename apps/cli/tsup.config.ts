import { defineConfig } from 'tsup';

// The published CLI bundles the workspace packages, so a global install (`npm install -g ./apps/cli`)
// works from any directory; third-party dependencies stay external and are installed by npm.
export default defineConfig({
  entry: { main: 'src/main.ts', runtime: 'src/runtime/index.ts' },
  format: ['esm'],
  dts: { entry: { runtime: 'src/runtime/index.ts' } },
  clean: true,
  sourcemap: true,
  splitting: true,
  target: 'node20',
  noExternal: [/^@ml-intern\//],
  loader: { '.md': 'text' },
});
