// Vite builds the React client from client/ into dist/client, which server/app.ts serves with the SPA
// routes. In development the dev server proxies the API, Socket.IO and Open311 to the server on 8080.
import { defineConfig, type Plugin } from 'vite';
import react from '@vitejs/plugin-react';
import { brotliCompressSync, gzipSync, constants as zlib } from 'node:zlib';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * Writes a brotli and a gzip copy next to every compressible file under dist/client/assets, once, at build
 * time: server/http/static-client.ts sends the copy the browser accepts, so nothing is compressed per request.
 * (A wall on a LAN fetches 2.5 MB of script cold; brotli makes it ~0.6 MB.)
 */
function precompressAssets(): Plugin {
  let outDir = '';
  return {
    name: 'gcc-precompress-assets',
    apply: 'build',
    configResolved(c) {
      outDir = path.resolve(c.root, c.build.outDir);
    },
    closeBundle() {
      const dir = path.join(outDir, 'assets');
      for (const name of readdirSync(dir)) {
        if (!/\.(m?js|css|svg|json|html)$/.test(name)) continue;
        const file = path.join(dir, name);
        if (statSync(file).size < 1024) continue;
        const body = readFileSync(file);
        // quality 9, not 11: a tenth of the build time for a few per cent of size
        writeFileSync(`${file}.br`, brotliCompressSync(body, { params: { [zlib.BROTLI_PARAM_QUALITY]: 9, [zlib.BROTLI_PARAM_SIZE_HINT]: body.length } }));
        writeFileSync(`${file}.gz`, gzipSync(body, { level: 9 }));
      }
    },
  };
}

const SERVER = process.env.GCC_SERVER ?? 'http://127.0.0.1:8080';

export default defineConfig({
  root: 'client',
  plugins: [react(), precompressAssets()],
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
