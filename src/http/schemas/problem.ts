import { Type } from 'typebox';
import { ERROR_CATALOGUE } from '../../ports/failures.js';

/** RFC 9457 problem details, as every 4xx/5xx answers. */
export const ProblemSchema = Type.Object(
  {
    type: Type.String(),
    title: Type.String(),
    status: Type.Integer({ minimum: 400, maximum: 599 }),
    detail: Type.String(),
    instance: Type.String(),
    code: Type.Union(Object.keys(ERROR_CATALOGUE).map((code) => Type.Literal(code))),
    request_id: Type.String(),
    errors: Type.Optional(Type.Array(Type.Object({ path: Type.String(), message: Type.String() }))),
  },
  { $id: 'Problem', description: 'RFC 9457 problem details (application/problem+json)' },
);
