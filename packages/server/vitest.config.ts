import { defineConfig } from 'vitest/config';
import { workspaceAliases } from '../../vitest.shared.js';

export default defineConfig({
  resolve: { alias: workspaceAliases(import.meta.dirname) },
  test: { testTimeout: 20_000 },
});
