/**
 * The lab's packages: host tools from apt (installed when missing), and the pinned arm64 kernel
 * images, busybox and kernel sources fetched with `apt-get download` into the cache
 * (lab/cache/debs), unpacked once into lab/cache/pkg. Nothing already in the cache is fetched
 * again; a pinned version the registry no longer offers is one clear error naming it.
 */

import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { LabPackages, PackagePin } from './config.js';
import { dpkgVersion, have, LabError, run, sh, shq } from './host.js';

export interface Cache {
  root: string;
  debs: string;
  pkg: string;
  log: string;
}

export function cacheAt(root: string): Cache {
  const c = { root, debs: join(root, 'debs'), pkg: join(root, 'pkg'), log: join(root, 'lab.log') };
  mkdirSync(c.debs, { recursive: true });
  mkdirSync(c.pkg, { recursive: true });
  return c;
}

/** Runs a command as root: directly when we are root, through `sudo -n` otherwise. */
function asRoot(argv: string[], what: string, log: string): void {
  const root = process.getuid?.() === 0;
  if (!root && !have('sudo')) throw new LabError(`${what}: needs root (run as root, or install sudo)`);
  run(root ? argv : ['sudo', '-n', ...argv], what, { log, env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
}

/** Host tools (QEMU, the cross compiler, cpio, ...): installs the missing ones, and the arm64
 * foreign architecture that `apt-get download` of arm64 packages needs. Returns their versions. */
export function ensureTools(pk: LabPackages, cache: Cache, install: boolean): Record<string, string> {
  const missing = pk.tools.filter((t) => dpkgVersion(t) === null);
  const foreign = spawnText(['dpkg', '--print-foreign-architectures']).split('\n');
  const needArch = !foreign.includes('arm64');
  if (missing.length || needArch) {
    if (!install) {
      throw new LabError(
        `missing ${[...missing, ...(needArch ? ['the arm64 foreign architecture'] : [])].join(', ')}: run \`npm run lab -- --install\` (dpkg --add-architecture arm64; apt-get update; apt-get install ${missing.join(' ')})`,
      );
    }
    if (needArch) asRoot(['dpkg', '--add-architecture', 'arm64'], 'dpkg --add-architecture arm64', cache.log);
    asRoot(['apt-get', 'update', '-qq'], 'apt-get update', cache.log);
    if (missing.length) asRoot(['apt-get', 'install', '-y', '-qq', ...missing], `apt-get install ${missing.join(' ')}`, cache.log);
  }
  const versions: Record<string, string> = {};
  for (const t of pk.tools) versions[t] = dpkgVersion(t) ?? 'missing';
  return versions;
}

function spawnText(argv: string[]): string {
  try {
    return run(argv, argv.join(' '));
  } catch {
    return '';
  }
}

/** The .deb file name apt-get download writes for a pin (the epoch's ':' is escaped as %3a). */
export function debName(p: PackagePin): string {
  return `${p.package}_${p.version.replace(/:/g, '%3a')}_${p.arch}.deb`;
}

export interface Fetched {
  pin: PackagePin;
  deb: string;
  sha256: string;
  /** Where it is unpacked (dpkg-deb -x). */
  dir: string;
  /** True when it came from the cache. */
  cached: boolean;
}

/** Fetches one pinned package into the cache (unless present) and unpacks it (unless done). */
export function fetchPackage(p: PackagePin, cache: Cache, unpack = true): Fetched {
  const deb = join(cache.debs, debName(p));
  const cached = existsSync(deb);
  if (!cached) {
    const spec = `${p.package}${p.arch === 'all' ? '' : `:${p.arch}`}=${p.version}`;
    const tmp = join(cache.debs, '.partial');
    rmSync(tmp, { recursive: true, force: true });
    mkdirSync(tmp, { recursive: true });
    try {
      run(['apt-get', 'download', '-q', spec], `apt-get download ${spec}`, { cwd: tmp, log: cache.log, timeout: 1800 });
    } catch (e) {
      throw new LabError(
        `${(e as Error).message}. The pinned version may have left the registry: list what it offers with \`apt-cache madison ${p.package}${p.arch === 'arm64' ? ':arm64' : ''}\` and update lab/packages.json`,
      );
    }
    const got = readdirSync(tmp).filter((f) => f.endsWith('.deb'));
    if (got.length !== 1) throw new LabError(`apt-get download ${spec}: expected one .deb, got ${got.length}`);
    renameSync(join(tmp, got[0]!), deb);
    rmSync(tmp, { recursive: true, force: true });
  }
  const sha256 = createHash('sha256').update(readFileSync(deb)).digest('hex');
  const dir = join(cache.pkg, `${p.package}_${p.version.replace(/:/g, '%3a')}`);
  if (unpack && !existsSync(join(dir, '.done'))) {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    run(['dpkg-deb', '-x', deb, dir], `dpkg-deb -x ${debName(p)}`, { log: cache.log });
    sh(`touch ${shq(join(dir, '.done'))}`, 'mark unpacked');
  }
  return { pin: p, deb, sha256, dir, cached };
}
