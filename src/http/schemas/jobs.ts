import { Type } from 'typebox';
import { JOB_STATUSES, JOB_TYPES } from '../../ports/job-store.js';
import { CONTENT_FORMATS } from '../content-format.js';
import { PageQuery } from './common.js';
import { JobView } from './documents.js';

export const JobIdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });

export const JobListQuery = Type.Object(
  {
    ...PageQuery,
    status: Type.Optional(Type.Enum(JOB_STATUSES)),
    type: Type.Optional(Type.Enum(JOB_TYPES)),
    document_id: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  },
  { additionalProperties: false },
);

export const JobList = Type.Object({
  data: Type.Array(JobView),
  next_cursor: Type.Union([Type.String(), Type.Null()]),
});

export const JobAccepted = Type.Object({ job: JobView });

export const ReprocessBody = Type.Union([
  Type.Object(
    {
      password: Type.Optional(
        Type.String({ minLength: 1, maxLength: 1024, description: 'For an encrypted PDF' }),
      ),
    },
    { additionalProperties: false },
  ),
  Type.Null(),
]);

export const ContentQuery = Type.Object(
  {
    format: Type.Optional(Type.Enum(CONTENT_FORMATS)),
    pages: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 1000,
        pattern: '^[0-9]+(-[0-9]+)?(,[0-9]+(-[0-9]+)?)*$',
        description: 'Page numbers and ranges, e.g. `1-3,7`',
      }),
    ),
    redact: Type.Optional(Type.Literal('pii', { description: 'Mask personal data in the text' })),
  },
  { additionalProperties: false },
);
