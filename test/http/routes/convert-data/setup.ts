/** Shared by the data-conversion route tests: the formats and the media type each is sent as. */
export const FORMATS = ['json', 'csv', 'yaml', 'xml'] as const;
export type Format = (typeof FORMATS)[number];

export const CONTENT_TYPES: Record<Format, string> = {
  json: 'application/json',
  csv: 'text/csv',
  yaml: 'application/yaml',
  xml: 'application/xml',
};
