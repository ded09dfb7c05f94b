import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// `ml-intern serve` serves dist/; in development, `vite` proxies the API to a running server
// (ML_INTERN_SERVER, default http://127.0.0.1:7860).
export default defineConfig({
  plugins: [react()],
  base: './',
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: false, chunkSizeWarningLimit: 400 },
  server: { proxy: { '/api': process.env.ML_INTERN_SERVER ?? 'http://127.0.0.1:7860' } },
});
