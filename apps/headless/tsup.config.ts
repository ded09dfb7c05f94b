import { defineConfig } from 'tsup';

// Bundles the workspace packages (like the CLI) so the published bin works outside the monorepo.
export default defineConfig({
  entry: { main: 'src/main.ts' },
  format: ['esm'],
  clean: true,
  sourcemap: true,
  splitting: true,
  target: 'node20',
  noExternal: [/^@ml-intern\//],
  loader: { '.md': 'text' },
});
