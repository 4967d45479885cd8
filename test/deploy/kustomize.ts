/**
 * A small kustomize renderer for the tests (no kubectl or kustomize runs here): the subset of the
 * Kustomization format that deploy/kubernetes uses — `resources` (files and directories),
 * `namespace`, `images` and JSON 6902 `patches` aimed by kind and name. Any other field throws,
 * so a kustomization cannot use what this renderer would silently ignore.
 */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments, parse } from 'yaml';

export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; [key: string]: unknown };
  [key: string]: unknown;
}

interface PatchOperation {
  op: 'add' | 'replace' | 'remove';
  path: string;
  value?: unknown;
}

interface Kustomization {
  apiVersion?: string;
  kind?: string;
  resources?: string[];
  namespace?: string;
  images?: { name: string; newName?: string; newTag?: string }[];
  patches?: { target: { kind: string; name: string }; patch: string }[];
}

const SUPPORTED = new Set(['apiVersion', 'kind', 'resources', 'namespace', 'images', 'patches']);

export function readManifests(file: string): Manifest[] {
  return parseAllDocuments(readFileSync(file, 'utf8'))
    .map((document) => {
      if (document.errors.length > 0) throw new Error(`${file}: ${document.errors[0]?.message}`);
      return document.toJS() as Manifest | null;
    })
    .filter((manifest): manifest is Manifest => manifest !== null);
}

function pointer(path: string): string[] {
  if (!path.startsWith('/')) throw new Error(`not a JSON pointer: ${path}`);
  return path
    .slice(1)
    .split('/')
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** RFC 6902 add, replace and remove. */
export function applyPatch(document: Manifest, operations: PatchOperation[]): void {
  for (const { op, path, value } of operations) {
    const parts = pointer(path);
    const last = parts.pop() as string;
    let parent: unknown = document;
    for (const part of parts) {
      parent = (parent as Record<string, unknown>)[part];
      if (parent === null || typeof parent !== 'object')
        throw new Error(`patch ${op} ${path}: ${part} does not exist`);
    }
    if (Array.isArray(parent)) {
      const index = last === '-' ? parent.length : Number(last);
      if (op !== 'add' && !(index < parent.length))
        throw new Error(`patch ${op} ${path}: nothing there`);
      if (op === 'remove') parent.splice(index, 1);
      else parent.splice(index, op === 'replace' ? 1 : 0, structuredClone(value));
      continue;
    }
    const object = parent as Record<string, unknown>;
    if (op !== 'add' && !Object.hasOwn(object, last))
      throw new Error(`patch ${op} ${path}: nothing there`);
    if (op === 'remove') delete object[last];
    else object[last] = structuredClone(value);
  }
}

function podContainers(manifest: Manifest): { image?: string }[] {
  const spec = (manifest as { spec?: { template?: { spec?: Record<string, unknown> } } }).spec;
  const pod = spec?.template?.spec;
  if (pod === undefined) return [];
  return [pod.containers, pod.initContainers].flatMap((list) =>
    Array.isArray(list) ? (list as { image?: string }[]) : [],
  );
}

/** Renders the kustomization in `dir` as `kubectl apply -k dir` would apply it. */
export function renderKustomization(dir: string): Manifest[] {
  const kustomization = parse(
    readFileSync(join(dir, 'kustomization.yaml'), 'utf8'),
  ) as Kustomization;
  for (const field of Object.keys(kustomization))
    if (!SUPPORTED.has(field)) throw new Error(`${dir}: kustomization field ${field} unsupported`);
  const manifests = (kustomization.resources ?? []).flatMap((resource) => {
    const path = join(dir, resource);
    return statSync(path).isDirectory() ? renderKustomization(path) : readManifests(path);
  });
  for (const { target, patch } of kustomization.patches ?? []) {
    const matches = manifests.filter(
      (manifest) => manifest.kind === target.kind && manifest.metadata.name === target.name,
    );
    if (matches.length === 0) throw new Error(`patch target ${target.kind}/${target.name} absent`);
    for (const manifest of matches) applyPatch(manifest, parse(patch) as PatchOperation[]);
  }
  for (const image of kustomization.images ?? []) {
    for (const container of manifests.flatMap(podContainers)) {
      const [name, tag] = (container.image ?? '').split(':');
      if (name !== image.name) continue;
      container.image = `${image.newName ?? name}:${image.newTag ?? tag ?? 'latest'}`;
    }
  }
  if (kustomization.namespace !== undefined)
    for (const manifest of manifests) manifest.metadata.namespace = kustomization.namespace;
  return manifests;
}
