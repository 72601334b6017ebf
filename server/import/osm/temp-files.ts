// The PBF reader's temporary folders (node-store.ts, way-store.ts), named so a later process can tell whose
// they are: gcc-osm{nodes,ways}-<pid>-XXXXXX under the system's temporary folder (or the reader's tempDir).
// A process that crashes mid-read never reaches the stores' close(), and its files would stay forever; the
// server sweeps them at start and with the staged-upload sweep (server/import/import-stages.ts).
import { readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

export type OsmTempKind = 'osmnodes' | 'osmways';

/** The mkdtemp prefix of a store's folder: the kind and this process's id. */
export function osmTempPrefix(parent: string, kind: OsmTempKind): string {
  return path.join(parent, `gcc-${kind}-${process.pid}-`);
}

/** A folder of a dead owner is removed once untouched this long (a live one in another PID namespace keeps writing). */
export const DEAD_OWNER_GRACE_MS = 10 * 60_000;
/** Any reader folder untouched this long is left over: no import of a sub-district reads its PBF for a day. */
export const ABANDONED_MS = 24 * 3_600_000;

const NAMED = /^gcc-osm(?:nodes|ways)-(?:(\d+)-)?[A-Za-z0-9]{6}$/;

/** True when a process with this id exists (EPERM: it exists, owned by someone else). */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The newest modification time of a folder and the files directly in it (the stores write one file each). */
async function lastTouched(dir: string): Promise<number> {
  let newest = (await stat(dir)).mtimeMs;
  for (const f of await readdir(dir)) {
    try { newest = Math.max(newest, (await stat(path.join(dir, f))).mtimeMs); } catch { /* removed meanwhile */ }
  }
  return newest;
}

/**
 * Removes reader folders left by processes that are gone: the owner's pid is dead (and the folder untouched
 * for DEAD_OWNER_GRACE_MS), or the folder is untouched for ABANDONED_MS (a folder named before pids were
 * part of the name, or a pid reused since). This process's own folders are never touched: its imports are
 * running. Returns the folders removed. Wall-clock time: file times are the system's, not the app clock's.
 */
export async function sweepOsmTempDirs(parent = tmpdir(), now = Date.now()): Promise<string[]> {
  let names: string[];
  try { names = await readdir(parent); } catch { return []; }
  const removed: string[] = [];
  for (const name of names) {
    const m = NAMED.exec(name);
    if (!m) continue;
    const pid = m[1] ? Number(m[1]) : null;
    if (pid === process.pid) continue;
    const dir = path.join(parent, name);
    let age: number;
    try { age = now - (await lastTouched(dir)); } catch { continue; }
    const dead = pid !== null && !pidAlive(pid);
    if ((dead && age > DEAD_OWNER_GRACE_MS) || age > ABANDONED_MS) {
      await rm(dir, { recursive: true, force: true });
      removed.push(dir);
    }
  }
  return removed;
}
