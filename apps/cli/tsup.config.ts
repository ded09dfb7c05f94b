import { cpSync, existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Options } from 'tsup';

// The published CLI is self-contained: the workspace packages and the pure-JavaScript dependencies
// are bundled, so a global install (`npm install -g ./apps/cli`) works from any directory and
// start-up does not resolve, read and link hundreds of small ES modules (the OpenAI SDK alone is
// ~150 files: ~65 ms as modules, ~7 ms bundled). Packages that load WebAssembly or worker files
// next to their own sources stay external and are installed by npm.
// ml-intern-headless builds with the same options.
export const appBundle = {
  format: ['esm'],
  clean: true,
  sourcemap: true,
  splitting: true,
  target: 'node20',
  // web-tree-sitter and tree-sitter-bash (core's shell parser) resolve their .wasm files from
  // their own package folders; sharp (image downscaling) loads its prebuilt native binary; sixel
  // (terminal images) assigns an undeclared global, which a bundled ES module may not.
  external: ['tiktoken', '@huggingface/hub', 'web-tree-sitter', 'tree-sitter-bash', 'sharp', 'sixel'],
  noExternal: [/^(?!tiktoken$|@huggingface\/hub$|web-tree-sitter$|tree-sitter-bash$|sharp$|sixel$)/],
  // Bundled CommonJS dependencies call require() for Node built-ins.
  banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
  loader: { '.md': 'text' },
} satisfies Options;

export default defineConfig({
  ...appBundle,
  // `ml-intern serve` serves the built web UI from dist/web (apps/web is built first when it exists; no import of it).
  onSuccess: async () => {
    const ui = fileURLToPath(new URL('../web/dist', import.meta.url));
    if (existsSync(path.join(ui, 'index.html'))) cpSync(ui, fileURLToPath(new URL('./dist/web', import.meta.url)), { recursive: true });
  },
  entry: { main: 'src/main.ts', runtime: 'src/runtime/index.ts', program: 'src/program.ts' },
  dts: { entry: { runtime: 'src/runtime/index.ts', program: 'src/program.ts' } },
});
