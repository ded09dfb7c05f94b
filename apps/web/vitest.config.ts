import { defineConfig } from 'vitest/config';

// The UI's logic (events → view state, parsing) is tested as pure functions, without a browser.
export default defineConfig({
  test: { environment: 'node', include: ['src/**/*.test.ts'] },
});
