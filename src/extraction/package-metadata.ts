/**
 * Document metadata from the packages' property parts: OOXML's docProps/core.xml, OpenDocument's
 * meta.xml and an EPUB's OPF `<metadata>` (all Dublin Core with a few format-specific names).
 * Dates become RFC 3339; an empty or unparseable value is left out.
 */
import type { ExtractedMetadata } from '../ports/extractor.js';
import { normalizeInline } from './text-pages.js';
import { findFirst, textOf, type XmlElement } from './xml-tree.js';

/** The normalised text of the first element named one of `names` (in that preference). */
function field(tree: XmlElement, ...names: string[]): string | undefined {
  for (const name of names) {
    const element = findFirst(tree, name);
    if (element === undefined) continue;
    const value = normalizeInline(textOf(element));
    if (value.length > 0) return value;
  }
  return undefined;
}

function date(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const time = Date.parse(value);
  return Number.isFinite(time) ? new Date(time).toISOString() : undefined;
}

function compact(metadata: Record<string, string | undefined>): ExtractedMetadata {
  return Object.fromEntries(
    Object.entries(metadata).filter((entry): entry is [string, string] => entry[1] !== undefined),
  ) as ExtractedMetadata;
}

/** OOXML core properties (docProps/core.xml). */
export function corePropertiesMetadata(tree: XmlElement): ExtractedMetadata {
  return compact({
    title: field(tree, 'title'),
    author: field(tree, 'creator'),
    subject: field(tree, 'subject'),
    keywords: field(tree, 'keywords'),
    language: field(tree, 'language'),
    created: date(field(tree, 'created')),
    modified: date(field(tree, 'modified')),
  });
}

/** OpenDocument meta.xml (`office:meta`). */
export function openDocumentMetadata(tree: XmlElement): ExtractedMetadata {
  return compact({
    title: field(tree, 'title'),
    author: field(tree, 'initial-creator', 'creator'),
    subject: field(tree, 'subject'),
    keywords: field(tree, 'keyword'),
    language: field(tree, 'language'),
    created: date(field(tree, 'creation-date')),
    modified: date(field(tree, 'date')),
    producer: field(tree, 'generator'),
  });
}

/** An EPUB package document's `<metadata>` (Dublin Core, and EPUB 3's dcterms:modified). */
export function opfMetadata(metadata: XmlElement): ExtractedMetadata {
  let modified: string | undefined;
  for (const meta of metadata.children) {
    if (
      typeof meta === 'object' &&
      meta.name === 'meta' &&
      meta.attributes.property === 'dcterms:modified'
    )
      modified = date(normalizeInline(textOf(meta)));
  }
  return compact({
    title: field(metadata, 'title'),
    author: field(metadata, 'creator'),
    subject: field(metadata, 'subject'),
    language: field(metadata, 'language'),
    created: date(field(metadata, 'date')),
    modified,
  });
}
