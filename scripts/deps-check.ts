// Offline dependency check (issue 12 item 5). This registry has no advisory endpoint (`npm audit` gets 405) and
// the command hall has no internet, so what can be checked without one is checked here, from the lockfile alone
// (it works in a fresh clone before `npm install`):
//   - package.json and package-lock.json agree (the lockfile is what `npm ci` installs);
//   - every production package is pinned: an exact version and an integrity hash (sha512), from the registry
//     (no git, file or link sources, which would bypass the hash);
//   - every production package's licence is known and allowed by the policy below; a package that declares no
//     SPDX licence, or one outside the allow-list, must be in REVIEWED with the reason it is acceptable;
//   - THIRD_PARTY_LICENSES.md lists them all and is current (`--write` regenerates it).
// Advisories need a service: `npm run deps:audit` runs `npm audit --omit=dev` where one is reachable.
//
//   npm run deps:check            # exits 1 and lists every problem
//   npm run deps:check -- --write # also rewrites THIRD_PARTY_LICENSES.md
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** The parts of a lockfile v2/v3 entry this check reads. */
export interface LockEntry {
  version?: string;
  resolved?: string;
  integrity?: string;
  license?: string;
  dev?: boolean;
  link?: boolean;
  optional?: boolean;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
}
export interface Lockfile {
  lockfileVersion?: number;
  packages?: Record<string, LockEntry>;
}
export interface PackageJson {
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
}

/** Licences any production dependency may carry (permissive; SPDX ids). */
export const ALLOWED = new Set([
  'MIT', 'ISC', 'BSD-2-Clause', 'BSD-3-Clause', 'Apache-2.0', '0BSD', 'BlueOak-1.0.0', 'Unlicense', 'Zlib', 'CC0-1.0',
  // Eclipse Distribution License 1.0 is the BSD-3-Clause text under another name (jsts, turf's geometry engine).
  'EDL-1.0',
]);

/**
 * Licences allowed only for the packages named here, each with why. LGPL-3.0 is fine for libvips as sharp ships
 * it: an unmodified shared library loaded at run time, which the LGPL allows in a closed product as long as the
 * notice is kept (THIRD_PARTY_LICENSES.md) and the library can be replaced (it is a separate .so/.dll).
 */
export const ALLOWED_FOR: Record<string, { licence: string; packages: RegExp; why: string }> = {
  'LGPL-3.0-or-later': {
    licence: 'LGPL-3.0-or-later',
    packages: /^@img\/sharp-(libvips-)?[a-z0-9-]+$/,
    why: 'libvips, the prebuilt shared library sharp loads at run time (unmodified, replaceable): LGPL permits this linking',
  },
};

/**
 * Packages whose lockfile entry has no SPDX licence (or a misspelt one): the licence established by reading the
 * package, and where. A new package without a declared licence fails the check until someone reads it and adds
 * a row here.
 */
export const REVIEWED: Record<string, { licence: string; note: string }> = {
  'arc@0.2.0': { licence: 'BSD-2-Clause', note: 'package.json says licenses: [{type: "BSD"}]; LICENSE.md is the two-clause BSD text' },
  'buffers@0.1.1': {
    licence: 'UNDECLARED',
    note: 'declares no licence and ships no LICENSE file; only reached through exceljs → unzipper → binary (reading .xlsx); kept after review, to be replaced if exceljs drops it',
  },
  'xmlhttprequest-ssl@2.1.2': { licence: 'MIT', note: 'package.json says licenses: [{type: "MIT"}]; LICENSE is the MIT text' },
  'splaytree-ts@1.0.2': { licence: 'BSD-3-Clause', note: 'lockfile says "BDS-3-Clause" (a typo in its package.json); LICENSE is the BSD-3-Clause text' },
  'chainsaw@0.1.0': { licence: 'MIT', note: 'lockfile says "MIT/X11", which is the MIT licence' },
};

export interface Problem {
  code: 'LOCK_OUT_OF_SYNC' | 'NOT_PINNED' | 'NOT_FROM_REGISTRY' | 'LICENCE_UNKNOWN' | 'LICENCE_NOT_ALLOWED' | 'LIST_STALE';
  pkg: string;
  message: string;
}

export interface PackageLicence {
  name: string;
  version: string;
  licence: string;
  /** Why an undeclared, misspelt or conditionally allowed licence is accepted. */
  note?: string;
  optional: boolean;
}

/** `node_modules/a/node_modules/@b/c` → `@b/c`. */
export function nameOf(lockPath: string): string {
  const i = lockPath.lastIndexOf('node_modules/');
  return lockPath.slice(i + 'node_modules/'.length);
}

/** Splits an SPDX expression into OR-alternatives of AND-terms: `(A OR B) AND C` is read as ['A','C'] | ['B','C']. */
export function spdxAlternatives(expr: string): string[][] {
  const tokens = expr.replace(/[()]/g, ' ').split(/\s+/).filter(Boolean);
  // The expressions npm packages use are flat (A OR B, A AND B AND C): precedence is AND over OR.
  const alternatives: string[][] = [[]];
  for (const t of tokens) {
    if (t === 'OR') alternatives.push([]);
    else if (t !== 'AND') alternatives[alternatives.length - 1].push(t.replace(/\+$/, '-or-later'));
  }
  return alternatives.filter((a) => a.length > 0);
}

/** Whether `licence` is allowed for package `name`, and the note that says why when only conditionally. */
export function licenceVerdict(name: string, licence: string): { ok: boolean; note?: string } {
  const notes: string[] = [];
  for (const alternative of spdxAlternatives(licence)) {
    const ok = alternative.every((id) => {
      if (ALLOWED.has(id)) return true;
      const rule = ALLOWED_FOR[id];
      if (rule && rule.packages.test(name)) {
        notes.push(rule.why);
        return true;
      }
      return false;
    });
    if (ok) return { ok: true, note: notes.length > 0 ? notes[0] : undefined };
  }
  return { ok: false };
}

const SPDX_ID = /^[A-Za-z0-9.+-]+$/;

/** Every production package in the lockfile, with its licence; and what is wrong. */
export function checkDependencies(pkg: PackageJson, lock: Lockfile): { packages: PackageLicence[]; problems: Problem[] } {
  const problems: Problem[] = [];
  const entries = lock.packages ?? {};
  if ((lock.lockfileVersion ?? 1) < 2) {
    problems.push({ code: 'LOCK_OUT_OF_SYNC', pkg: 'package-lock.json', message: 'lockfileVersion 1 has no per-package licences: run `npm install` with npm ≥ 7' });
  }
  const root = entries[''] ?? {};
  for (const field of ['dependencies', 'devDependencies', 'optionalDependencies'] as const) {
    const want = pkg[field] ?? {};
    const have = root[field] ?? {};
    for (const name of new Set([...Object.keys(want), ...Object.keys(have)])) {
      if (want[name] !== have[name]) {
        problems.push({
          code: 'LOCK_OUT_OF_SYNC', pkg: name,
          message: `${field}: package.json has ${want[name] ?? 'nothing'}, package-lock.json has ${have[name] ?? 'nothing'}: run \`npm install\` and commit the lockfile`,
        });
      }
      if (want[name] && !entries[`node_modules/${name}`]) {
        problems.push({ code: 'LOCK_OUT_OF_SYNC', pkg: name, message: `${name} is in package.json but not installed by the lockfile: run \`npm install\`` });
      }
    }
  }

  const packages: PackageLicence[] = [];
  for (const [lockPath, e] of Object.entries(entries)) {
    if (lockPath === '' || e.dev) continue;
    const name = nameOf(lockPath);
    const id = `${name}@${e.version ?? '?'}`;
    if (e.link) {
      problems.push({ code: 'NOT_FROM_REGISTRY', pkg: name, message: `${lockPath} is a link to a local folder: a production dependency comes from the registry` });
      continue;
    }
    if (!e.version || !/^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/.test(e.version)) {
      problems.push({ code: 'NOT_PINNED', pkg: id, message: `${lockPath} has no exact version` });
    }
    if (!e.integrity || !/^sha512-[A-Za-z0-9+/]+=*$/.test(e.integrity)) {
      problems.push({ code: 'NOT_PINNED', pkg: id, message: `${lockPath} has no sha512 integrity hash: reinstall it from the registry (\`npm install ${name}\`)` });
    }
    if (e.resolved && !/^https:\/\/[^/]+\/.+\.tgz$/.test(e.resolved)) {
      problems.push({ code: 'NOT_FROM_REGISTRY', pkg: id, message: `${lockPath} resolves to ${e.resolved}: only registry tarballs are allowed` });
    }
    const reviewed: { licence: string; note: string } | undefined = REVIEWED[id];
    let licence: string | undefined = reviewed?.licence ?? e.license;
    let note: string | undefined = reviewed?.note;
    if (!licence) {
      problems.push({ code: 'LICENCE_UNKNOWN', pkg: id, message: `${id} declares no licence: read the package and add it to REVIEWED in scripts/deps-check.ts with what you found` });
      licence = 'UNKNOWN';
    } else if (!reviewed) {
      const valid = spdxAlternatives(licence).every((a) => a.every((t) => SPDX_ID.test(t)));
      const verdict: { ok: boolean; note?: string } = valid ? licenceVerdict(name, licence) : { ok: false };
      if (!verdict.ok) {
        problems.push({
          code: 'LICENCE_NOT_ALLOWED', pkg: id,
          message: `${id} is licensed "${licence}", which the policy does not allow: replace it, or record a reviewed exception in scripts/deps-check.ts`,
        });
      }
      note = verdict.note;
    }
    packages.push({ name, version: e.version ?? '?', licence, note, optional: e.optional === true });
  }
  // one row per name@version (the same version can be installed at several nested paths)
  const unique = new Map(packages.map((p) => [`${p.name}@${p.version}`, p]));
  const sorted = [...unique.values()].sort((a, b) => (a.name === b.name ? a.version.localeCompare(b.version) : a.name.localeCompare(b.name)));
  return { packages: sorted, problems };
}

/** THIRD_PARTY_LICENSES.md: counts by licence, then every package. Deterministic (no dates), so a test can diff it. */
export function renderLicenceList(packages: PackageLicence[]): string {
  const byLicence = new Map<string, number>();
  for (const p of packages) byLicence.set(p.licence, (byLicence.get(p.licence) ?? 0) + 1);
  const counts = [...byLicence.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  const lines = [
    '# Third-party licences',
    '',
    'Every production dependency the lockfile installs (devDependencies excluded), with its licence. Generated from',
    '`package-lock.json` by `npm run deps:check -- --write` (scripts/deps-check.ts); `npm test` fails if it is stale.',
    'Platform packages marked *optional* are installed only on their own OS/CPU (e.g. sharp\'s prebuilt libvips).',
    '',
    `${packages.length} packages.`,
    '',
    '| licence | packages |',
    '| --- | ---: |',
    ...counts.map(([l, n]) => `| ${l} | ${n} |`),
    '',
    '| package | version | licence | note |',
    '| --- | --- | --- | --- |',
    ...packages.map((p) => `| ${p.name} | ${p.version} | ${p.licence}${p.optional ? ' (optional)' : ''} | ${p.note ?? ''} |`),
    '',
  ];
  return lines.join('\n');
}

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const LICENCE_LIST = path.join(REPO_ROOT, 'THIRD_PARTY_LICENSES.md');

/** The check on this repository's own files: problems include a stale THIRD_PARTY_LICENSES.md. */
export function checkRepository(root = REPO_ROOT): { packages: PackageLicence[]; problems: Problem[]; rendered: string } {
  const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as PackageJson;
  const lock = JSON.parse(readFileSync(path.join(root, 'package-lock.json'), 'utf8')) as Lockfile;
  const { packages, problems } = checkDependencies(pkg, lock);
  const rendered = renderLicenceList(packages);
  let current = '';
  try {
    current = readFileSync(path.join(root, 'THIRD_PARTY_LICENSES.md'), 'utf8');
  } catch {
    // missing: reported as stale below
  }
  if (current !== rendered) {
    problems.push({ code: 'LIST_STALE', pkg: 'THIRD_PARTY_LICENSES.md', message: 'THIRD_PARTY_LICENSES.md does not match the lockfile: run `npm run deps:check -- --write` and commit it' });
  }
  return { packages, problems, rendered };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const write = process.argv.includes('--write');
  const result = checkRepository();
  if (write) {
    writeFileSync(LICENCE_LIST, result.rendered);
    result.problems = result.problems.filter((p) => p.code !== 'LIST_STALE');
  }
  const licences = new Set(result.packages.map((p) => p.licence));
  console.log(`deps:check: ${result.packages.length} production packages, ${licences.size} licences${write ? ', THIRD_PARTY_LICENSES.md written' : ''}`);
  for (const p of result.problems) console.error(`  ${p.code}  ${p.pkg}: ${p.message}`);
  if (result.problems.length > 0) {
    console.error(`deps:check: ${result.problems.length} problem(s)`);
    process.exitCode = 1;
  } else {
    console.log('deps:check: every production dependency is pinned with an integrity hash and has an allowed licence');
  }
}
