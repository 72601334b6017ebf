// A second real OpenStreetMap extract for tests and benchmarks, cut at run time from the reference Monaco
// extract (../shared/data/osm/monaco.osm.pbf, never copied into the repository) with osmium (Debian package
// osmium-tool): the Monte-Carlo – Beausoleil area (Monaco and the French commune above it), ~0.6 MB, a
// different area and file from the whole-Monaco import test. Honest limit: with no internet access this is
// the only real source available, so the "other" extract is a real sub-area of the same snapshot, not an
// independent download. Returns null, with the reason, when the source file or osmium is missing.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';

const run = promisify(execFile);
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** GCC_MONACO_PBF overrides the place (a git worktree elsewhere than beside ../shared). */
export const MONACO_PBF = process.env.GCC_MONACO_PBF ?? path.resolve(ROOT, '../shared/data/osm/monaco.osm.pbf');
/** W, S, E, N of the cut: Monte-Carlo, Larvotto, La Rousse and Beausoleil. */
export const MONTE_CARLO_BBOX = [7.398, 43.733, 7.45, 43.768] as const;

export async function cutMonteCarlo(): Promise<{ file: string } | { skipped: string }> {
  if (!existsSync(MONACO_PBF)) return { skipped: `${MONACO_PBF} does not exist (it lives in ../shared/data, outside the repository)` };
  try {
    await run('osmium', ['--version']);
  } catch {
    return { skipped: 'osmium is not installed (Debian package osmium-tool)' };
  }
  const dir = await mkdtemp(path.join(tmpdir(), 'gcc-osmcut-'));
  const file = path.join(dir, 'monte-carlo.osm.pbf');
  // complete_ways: every way crossing the box keeps all its nodes, as published extracts do.
  await run('osmium', ['extract', '-b', MONTE_CARLO_BBOX.join(','), '--strategy', 'complete_ways', '-O', '-o', file, MONACO_PBF]);
  return { file };
}
