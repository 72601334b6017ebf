// The PBF reader's temporary folders are named by their process (gcc-osm{nodes,ways}-<pid>-XXXXXX) and a
// crashed process's folders are swept (issue 14 item 3): a dead owner's folder once untouched for the grace
// period, any folder untouched for a day; never this process's own, a live owner's, a dead owner's still
// being written, or anything not named like a reader folder. The stores themselves use the named prefix.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ABANDONED_MS, DEAD_OWNER_GRACE_MS, pidAlive, sweepOsmTempDirs } from '../../server/import/osm/temp-files';
import { NodeStore } from '../../server/import/osm/node-store';
import { WayStore } from '../../server/import/osm/way-store';

describe('sweep of the PBF reader temporary folders', () => {
  let parent: string;
  beforeAll(async () => { parent = await mkdtemp(path.join(tmpdir(), 'gcc-osmsweep-')); });
  afterAll(async () => { await rm(parent, { recursive: true, force: true }); });

  async function folder(name: string, ageMs: number): Promise<string> {
    const d = path.join(parent, name);
    await mkdir(d);
    await writeFile(path.join(d, 'nodes.bin'), 'x');
    const at = new Date(Date.now() - ageMs);
    await utimes(path.join(d, 'nodes.bin'), at, at);
    await utimes(d, at, at);
    return d;
  }

  it('names the stores by this process', async () => {
    const nodes = await NodeStore.create(parent);
    const ways = await WayStore.create(new Set(), parent);
    const names = await readdir(parent);
    expect(names.some((n) => n.startsWith(`gcc-osmnodes-${process.pid}-`))).toBe(true);
    expect(names.some((n) => n.startsWith(`gcc-osmways-${process.pid}-`))).toBe(true);
    // A sweep while they are open leaves them alone (this process is running them).
    expect(await sweepOsmTempDirs(parent, Date.now() + 2 * ABANDONED_MS)).toEqual([]);
    await nodes.close();
    await ways.close();
    expect(await readdir(parent)).toEqual([]);
  });

  it("removes a dead owner's old folders and abandoned ones, and nothing else", async () => {
    const dead = spawnSync(process.execPath, ['-e', '0']).pid as number;
    expect(pidAlive(dead)).toBe(false);
    const live = process.ppid;
    expect(pidAlive(live)).toBe(true);
    const deadOld = await folder(`gcc-osmnodes-${dead}-Ab12Cd`, DEAD_OWNER_GRACE_MS + 60_000);
    const deadBusy = await folder(`gcc-osmways-${dead}-Ef34Gh`, 60_000);
    const liveOld = await folder(`gcc-osmnodes-${live}-Ij56Kl`, 3 * 3_600_000);
    const liveAbandoned = await folder(`gcc-osmways-${live}-Mn78Op`, ABANDONED_MS + 60_000);
    const unnamedOld = await folder('gcc-osmnodes-Qr90St', ABANDONED_MS + 60_000);
    const unnamedRecent = await folder('gcc-osmways-Uv12Wx', 3 * 3_600_000);
    const mine = await folder(`gcc-osmnodes-${process.pid}-Yz34Ab`, 2 * ABANDONED_MS);
    const foreign = await folder('gcc-osmcopies-Cd56Ef', 2 * ABANDONED_MS);

    const removed = await sweepOsmTempDirs(parent);
    expect(removed.sort()).toEqual([deadOld, liveAbandoned, unnamedOld].sort());
    for (const d of [deadOld, liveAbandoned, unnamedOld]) expect(existsSync(d)).toBe(false);
    for (const d of [deadBusy, liveOld, unnamedRecent, mine, foreign]) expect(existsSync(d)).toBe(true);
  });
});
