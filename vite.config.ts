// Vite builds the React client from client/ into dist/client, which server/app.ts serves with the SPA
// routes. In development the dev server proxies the API, Socket.IO and Open311 to the server on 8080.
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

const SERVER = process.env.GCC_SERVER ?? 'http://127.0.0.1:8080';

export default defineConfig({
  root: 'client',
  plugins: [react()],
  build: {
    outDir: '../dist/client',
    emptyOutDir: true,
    // deck.gl + maplibre are large by nature; the wall loads them once and runs for weeks
    chunkSizeWarningLimit: 2500,
  },
  server: {
    proxy: {
      '/api': SERVER,
      '/open311': SERVER,
      '/socket.io': { target: SERVER, ws: true },
    },
  },
});
