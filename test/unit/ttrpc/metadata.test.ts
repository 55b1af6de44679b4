import assert from 'node:assert/strict';
import { test } from 'node:test';
import { getMetadataValue, metadataFromKeyValues, metadataToKeyValues } from '../../../src/ttrpc/index.ts';

test('keys are lowercased on send and every value becomes its own pair, in order', () => {
  assert.deepEqual(metadataToKeyValues({ 'X-Multi': ['a', 'b'], Single: 'v' }), [
    { key: 'x-multi', value: 'a' },
    { key: 'x-multi', value: 'b' },
    { key: 'single', value: 'v' },
  ]);
  assert.deepEqual(metadataToKeyValues(new Map([['K', ['1']]])), [{ key: 'k', value: '1' }]);
});

test('received pairs are grouped by exact key, keeping value order', () => {
  const md = metadataFromKeyValues([
    { key: 'x-multi', value: 'a' },
    { key: 'Upper-Key', value: 'v1' },
    { key: 'x-multi', value: 'b' },
  ]);
  assert.deepEqual(
    [...md.entries()],
    [
      ['x-multi', ['a', 'b']],
      ['Upper-Key', ['v1']],
    ],
  );
  assert.equal(getMetadataValue(md, 'X-MULTI'), 'a');
  assert.equal(getMetadataValue(md, 'upper-key'), undefined);
});
