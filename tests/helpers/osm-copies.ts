// A large, valid OSM PBF made at run time for the memory test and benchmark of the PBF reader: N copies of
// the reference Monaco extract (../shared/data/osm/monaco.osm.pbf, 1.7 MB, never copied into the
// repository), each renumbered by osmium into its own id range (copy k: ids from k·10^7 + 1 for nodes, ways
// and relations; Monaco has 180k nodes) and merged into one file sorted by type then id, as a published
// extract is. The copies lie on top of each other: fine for a reader, which never looks at geometry, but
// not a file to import into a database. Returns the reason instead when the source or osmium is missing.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { MONACO_PBF } from './osm-cut';

const run = promisify(execFile);
const ID_STRIDE = 10_000_000;

export interface OsmCopies {
  file: string;
  bytes: number;
  copies: number;
  /** Removes the folder holding the file. */
  remove(): Promise<void>;
}

export async function monacoCopies(copies: number): Promise<OsmCopies | { skipped: string }> {
  if (!existsSync(MONACO_PBF)) return { skipped: `${MONACO_PBF} does not exist (it lives in ../shared/data, outside the repository)` };
  try {
    await run('osmium', ['--version']);
  } catch {
    return { skipped: 'osmium is not installed (Debian package osmium-tool)' };
  }
  const dir = await mkdtemp(path.join(tmpdir(), 'gcc-osmcopies-'));
  const parts: string[] = [];
  for (let k = 1; k <= copies; k++) {
    const part = path.join(dir, `copy-${k}.osm.pbf`);
    const start = String(k * ID_STRIDE + 1);
    await run('osmium', ['renumber', '-s', `${start},${start},${start}`, '-O', '-o', part, MONACO_PBF]);
    parts.push(part);
  }
  const file = path.join(dir, `monaco-x${copies}.osm.pbf`);
  await run('osmium', ['merge', '-O', '-o', file, ...parts], { maxBuffer: 1 << 20 });
  await Promise.all(parts.map((p) => rm(p)));
  return { file, bytes: (await stat(file)).size, copies, remove: () => rm(dir, { recursive: true, force: true }) };
}
