/**
 * The DataConverter contract: what /v1/convert/data may rely on — every format converts to every
 * other and back, bad input rejects with a 4xx AppError naming where, and an abort rejects.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AppError } from '../../src/errors.js';
import type { DataConverter, DataFormat } from '../../src/ports/data-converter.js';

export interface DataConverterFactory {
  name: string;
  create(): Promise<DataConverter & { close(): Promise<void> }>;
}

const RECORDS = [
  { name: 'Ada', year: 1815 },
  { name: 'Grace', year: 1906 },
];

export function dataConverterContract(factory: DataConverterFactory): void {
  describe(`DataConverter contract: ${factory.name}`, { timeout: 30_000 }, () => {
    let converter: DataConverter & { close(): Promise<void> };
    before(async () => {
      converter = await factory.create();
    });
    after(() => converter.close());

    const convert = (text: string, from: DataFormat, to: DataFormat) =>
      converter.convert({ text, from, to, inferTypes: true });

    it('converts JSON to every format and back to the same records', async () => {
      const json = JSON.stringify(RECORDS);
      for (const format of ['csv', 'yaml'] as const) {
        const back = await convert(await convert(json, 'json', format), format, 'json');
        assert.deepEqual(JSON.parse(back), RECORDS, `json → ${format} → json`);
      }
      // XML needs one root element: a list comes back as the root's repeated <item>s.
      const back = await convert(await convert(json, 'json', 'xml'), 'xml', 'json');
      assert.deepEqual(JSON.parse(back), { root: { item: RECORDS } }, 'json → xml → json');
    });

    it('rejects bad input with a 4xx AppError', async () => {
      await assert.rejects(convert('{"open": ', 'json', 'csv'), (error: unknown) => {
        assert.ok(error instanceof AppError, `expected an AppError, got ${String(error)}`);
        assert.ok(error.status >= 400 && error.status < 500, `status ${error.status}`);
        return true;
      });
    });

    it('rejects when aborted', async () => {
      const controller = new AbortController();
      controller.abort(new Error('stop'));
      await assert.rejects(
        converter.convert(
          { text: JSON.stringify(RECORDS), from: 'json', to: 'csv', inferTypes: true },
          controller.signal,
        ),
      );
    });
  });
}
