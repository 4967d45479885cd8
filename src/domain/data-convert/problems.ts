/**
 * The 422 UNPROCESSABLE_DOCUMENT every parser and writer raises, with the line and column of a
 * position in the input when there is one.
 */
import { AppError } from '../../errors.js';

/** Details quote parser messages, which can quote the input: they are kept short. */
const MAX_DETAIL_LENGTH = 300;

export function unprocessable(detail: string): AppError {
  const short =
    detail.length > MAX_DETAIL_LENGTH ? `${detail.slice(0, MAX_DETAIL_LENGTH - 1)}…` : detail;
  return new AppError('UNPROCESSABLE_DOCUMENT', short);
}

/** 1-based line and column of a UTF-16 offset. */
function position(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, column: offset - lineStart + 1 };
}

export function at(text: string, offset: number): string {
  const { line, column } = position(text, offset);
  return `line ${line}, column ${column}`;
}
