/**
 * The worker-thread entry of the data-conversion pool: one conversion (src/domain/data-convert/)
 * per task. Errors travel back as data, since an AppError does not survive the trip between
 * threads; an unexpected one is rethrown so that the caller logs it as a 500.
 */
import { convertData } from '../domain/data-convert/index.js';
import { AppError } from '../errors.js';
import type { ConversionOutcome, ConversionTask } from '../ports/data-converter.js';

export default function runConversion(task: ConversionTask): ConversionOutcome {
  try {
    return {
      ok: true,
      output: convertData(task.text, task.from, task.to, { inferTypes: task.inferTypes }),
    };
  } catch (error) {
    if (error instanceof AppError) return { ok: false, code: error.code, detail: error.detail };
    if (error instanceof RangeError) {
      return {
        ok: false,
        code: 'UNPROCESSABLE_DOCUMENT',
        detail: 'The document is too deeply nested or too large to convert',
      };
    }
    throw error;
  }
}
