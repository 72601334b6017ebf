// Builds the client once (vite build → dist/client) when it is missing or older than its sources, so
// browser tests exercise the code as it is. A lock file keeps two test files from building at once.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { open, rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const DIST_INDEX = path.join(ROOT, 'dist', 'client', 'index.html');
const SOURCES = [path.join(ROOT, 'client'), path.join(ROOT, 'common'), path.join(ROOT, 'vite.config.ts')];

function newestMtime(p: string): number {
  const s = statSync(p);
  if (!s.isDirectory()) return s.mtimeMs;
  let max = s.mtimeMs;
  for (const name of readdirSync(p)) max = Math.max(max, newestMtime(path.join(p, name)));
  return max;
}

export function clientIsStale(): boolean {
  if (!existsSync(DIST_INDEX)) return true;
  const built = statSync(DIST_INDEX).mtimeMs;
  return SOURCES.some((s) => existsSync(s) && newestMtime(s) > built);
}

export async function ensureClientBuilt(): Promise<void> {
  const lockPath = path.join(ROOT, 'dist', '.client-build.lock');
  execFileSync('mkdir', ['-p', path.dirname(lockPath)]);
  for (let waited = 0; ; waited += 500) {
    try {
      const fh = await open(lockPath, 'wx');
      await fh.close();
      break;
    } catch {
      if (waited > 180_000) throw new Error(`client build lock ${lockPath} held for 3 minutes: remove it if no build is running`);
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  try {
    if (clientIsStale()) {
      execFileSync(process.execPath, [path.join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--logLevel', 'warn'], { cwd: ROOT, stdio: 'inherit' });
    }
  } finally {
    await rm(lockPath, { force: true });
  }
}
