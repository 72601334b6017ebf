// The offline dependency check (scripts/deps-check.ts): this repository passes it, and each kind of problem it
// exists for is caught on a small made-up lockfile.
import { describe, expect, it } from 'vitest';
import { checkDependencies, checkRepository, licenceVerdict, spdxAlternatives, type Lockfile, type PackageJson } from '../../scripts/deps-check';

const SHA = 'sha512-' + 'A'.repeat(86) + '==';
const pkg: PackageJson = { dependencies: { left: '^1.0.0' }, devDependencies: { tool: '^2.0.0' } };
const lock = (over: Lockfile['packages'] = {}): Lockfile => ({
  lockfileVersion: 3,
  packages: {
    '': { dependencies: { left: '^1.0.0' }, devDependencies: { tool: '^2.0.0' } },
    'node_modules/left': { version: '1.2.3', integrity: SHA, license: 'MIT' },
    'node_modules/tool': { version: '2.0.0', dev: true, license: 'GPL-3.0-only' },
    ...over,
  },
});
const codes = (l: Lockfile, p: PackageJson = pkg) => checkDependencies(p, l).problems.map((x) => `${x.code} ${x.pkg}`);

describe('offline dependency check', () => {
  it('passes on this repository: lockfile in sync, every production package pinned with a hash and an allowed licence, the list current', () => {
    const { packages, problems } = checkRepository();
    expect(problems).toEqual([]);
    expect(packages.length).toBeGreaterThan(100);
    // the runtime's own big pieces are listed
    for (const name of ['express', 'socket.io', 'pg', 'maplibre-gl', '@deck.gl/core', 'sharp', 'zod']) {
      expect(packages.some((p) => p.name === name), name).toBe(true);
    }
    expect(packages.every((p) => p.licence !== 'UNKNOWN')).toBe(true);
  });

  it('ignores devDependencies and accepts a clean production tree', () => {
    expect(codes(lock())).toEqual([]);
  });

  it('finds a package.json that the lockfile does not match', () => {
    expect(codes(lock(), { ...pkg, dependencies: { left: '^1.1.0' } })).toContain('LOCK_OUT_OF_SYNC left');
    expect(codes(lock(), { ...pkg, dependencies: { left: '^1.0.0', right: '^3.0.0' } })).toContain('LOCK_OUT_OF_SYNC right');
  });

  it('refuses a production package without an exact version or an integrity hash, or from git/a folder', () => {
    expect(codes(lock({ 'node_modules/left': { version: '1.2.3', license: 'MIT' } }))).toEqual(['NOT_PINNED left@1.2.3']);
    expect(codes(lock({ 'node_modules/left': { version: '1.2.3', integrity: 'sha1-abc', license: 'MIT' } }))).toEqual(['NOT_PINNED left@1.2.3']);
    expect(codes(lock({ 'node_modules/left/node_modules/deep': { version: 'github:x/y', integrity: SHA, license: 'MIT' } })))
      .toEqual(['NOT_PINNED deep@github:x/y']);
    expect(codes(lock({ 'node_modules/left': { version: '1.2.3', integrity: SHA, license: 'MIT', resolved: 'git+ssh://git@github.com/x/left.git#abc' } })))
      .toEqual(['NOT_FROM_REGISTRY left@1.2.3']);
    expect(codes(lock({ 'node_modules/left': { link: true } }))).toEqual(['NOT_FROM_REGISTRY left']);
  });

  it('refuses an unknown or disallowed licence, and reads SPDX expressions', () => {
    expect(codes(lock({ 'node_modules/left': { version: '1.2.3', integrity: SHA } }))).toEqual(['LICENCE_UNKNOWN left@1.2.3']);
    expect(codes(lock({ 'node_modules/left': { version: '1.2.3', integrity: SHA, license: 'GPL-3.0-only' } }))).toEqual(['LICENCE_NOT_ALLOWED left@1.2.3']);
    expect(codes(lock({ 'node_modules/left': { version: '1.2.3', integrity: SHA, license: 'SEE LICENSE IN LICENSE.txt' } }))).toEqual(['LICENCE_NOT_ALLOWED left@1.2.3']);
    expect(spdxAlternatives('(MIT OR GPL-3.0-or-later)')).toEqual([['MIT'], ['GPL-3.0-or-later']]);
    expect(licenceVerdict('jszip', '(MIT OR GPL-3.0-or-later)').ok).toBe(true);
    expect(licenceVerdict('x', 'MIT AND GPL-3.0-only').ok).toBe(false);
    // LGPL only for sharp's libvips, not for anything else
    expect(licenceVerdict('@img/sharp-libvips-linux-x64', 'LGPL-3.0-or-later').ok).toBe(true);
    expect(licenceVerdict('some-lib', 'LGPL-3.0-or-later').ok).toBe(false);
  });
});
