import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parse } from 'csv-parse/sync';
import fc from 'fast-check';
import { csvRecords } from './csv.ts';
import { forCsvValue } from './escape.ts';
import { assertProperty } from '../test-support/property.ts';

void test('csvRecords reads back, cell for cell, as the disarmed text, whatever the cells hold', () => {
  const cell = fc.oneof(fc.string(), fc.constantFrom(' a', 'a ', 'a\rb', 'a\nb', '=1', ' +1', '"', ',', ''));
  assertProperty(
    fc.property(
      fc.array(fc.array(cell, { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 4 }),
      (rows) => {
        const text = csvRecords(rows);
        assert.ok(text.endsWith('\r\n'));
        const back: string[][] = parse(text, { record_delimiter: '\r\n', relax_column_count: true });
        assert.deepEqual(
          back,
          rows.map((row) => row.map(forCsvValue)),
        );
      },
    ),
    { numRuns: 300 },
  );
});

void test('csvRecords writes numbers, booleans and missing values as plain cells', () => {
  assert.equal(
    csvRecords([[1, 2.5, Number.NaN, true, false, null, undefined, '=SUM(A1)']]),
    "1,2.5,,true,false,,,'=SUM(A1)\r\n",
  );
});
