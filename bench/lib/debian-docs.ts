/**
 * Real PDFs for benches, from Debian documentation packages: each package is fetched once with
 * `apt-get download` into a cache directory outside the repository and unpacked there with
 * `dpkg-deb -x`; nothing is committed. A file shipped gzipped (`*.pdf.gz`) is unpacked beside it.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';

/** A file of a package, by its path inside the package (`usr/share/doc/…`). */
export interface DebianFile {
  package: string;
  path: string;
}

/** Where the package's files are once unpacked into `cache` (fetched and unpacked if needed). */
export function debianPackageRoot(cache: string, name: string): string {
  const root = join(cache, 'root', name);
  const marker = join(root, '.unpacked');
  if (existsSync(marker)) return root;
  const debs = join(cache, 'debs');
  mkdirSync(debs, { recursive: true });
  const find = (): string | undefined =>
    readdirSync(debs).find((file) => file.startsWith(`${name}_`) && file.endsWith('.deb'));
  if (find() === undefined) {
    console.log(`fetching ${name} with apt-get download into ${debs}`);
    execFileSync('apt-get', ['download', name], { cwd: debs, stdio: 'inherit' });
  }
  const deb = find();
  if (deb === undefined) throw new Error(`apt-get download ${name} left no .deb in ${debs}`);
  mkdirSync(root, { recursive: true });
  execFileSync('dpkg-deb', ['-x', join(debs, deb), root], { stdio: 'inherit' });
  writeFileSync(marker, deb);
  return root;
}

/** The unpacked file's path; a `.gz` is gunzipped once next to itself (without the suffix). */
export function debianFile(cache: string, file: DebianFile): string {
  const path = join(debianPackageRoot(cache, file.package), file.path);
  if (!existsSync(path)) throw new Error(`${file.package} has no ${file.path}`);
  if (!path.endsWith('.gz')) return path;
  const plain = path.slice(0, -'.gz'.length);
  if (!existsSync(plain)) writeFileSync(plain, gunzipSync(readFileSync(path)));
  return plain;
}
