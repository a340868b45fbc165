import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// The dev server fronts the gateway like the all-in-one web server does, so the app always calls
// relative `/api/...` paths on its own origin.
const gateway = process.env.TIKETI_GATEWAY_URL ?? 'http://127.0.0.1:3001';

export default defineConfig({
  plugins: [react()],
  server: {
    port: 3000,
    strictPort: true,
    proxy: {
      '/api': { target: gateway, changeOrigin: true },
      '/api-docs': { target: gateway, changeOrigin: true },
      '/socket.io': { target: gateway, changeOrigin: true, ws: true },
    },
  },
  build: { outDir: 'dist', sourcemap: true, chunkSizeWarningLimit: 1200 },
});
