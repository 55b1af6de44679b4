// containerd's identifier rule: letters and digits, single separators (. _ -) between them, 76 bytes at most.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkFlagIdentifiers, identifierProblem } from '../../../src/shim/identifiers.ts';

test('ids containerd makes are accepted', () => {
  for (const id of [
    'a',
    'Z9',
    'k8s.io',
    'my_container-1.v2',
    'a'.repeat(76),
    // CRI container ids and docker exec ids: 64 hex characters
    '0123456789abcdef'.repeat(4),
  ])
    assert.equal(identifierProblem(id), undefined, JSON.stringify(id));
});

test('anything that could be a path, a hidden file, a flag or carry a control character is refused', () => {
  for (const id of [
    '.',
    '..',
    '../x',
    'a/b',
    '/abs',
    'x\n',
    '\nx',
    'a\0b',
    'a b',
    '.hidden',
    '-rf',
    'a..b',
    'a.',
    'a__b',
    'é',
    'a:b',
  ])
    assert.match(
      identifierProblem(id) ?? '',
      /^identifier ".*" must match \^\[A-Za-z0-9\]\+\(\?:\[\._-\]\(\?:\[A-Za-z0-9\]\+\)\)\*\$$/,
      JSON.stringify(id),
    );
});

test('length is counted in bytes as containerd does, 76 at most', () => {
  assert.equal(
    identifierProblem('a'.repeat(77)),
    `identifier "${'a'.repeat(77)}" greater than maximum length (76 characters)`,
  );
  // 40 two-byte characters: 80 bytes
  assert.match(identifierProblem('é'.repeat(40)) ?? '', /greater than maximum length \(76 characters\)$/);
});

test('empty is refused with containerd wording', () => {
  assert.equal(identifierProblem(''), 'identifier must not be empty');
});

test('the id in a message is escaped and at most twice the maximum length', () => {
  const problem = identifierProblem(`\u001b]0;x\u0007${'a'.repeat(10_000)}`) ?? '';
  assert.ok(!/[\u0000-\u001f]/.test(problem), problem);
  assert.ok(problem.length < 300, `${problem.length} characters`);
});

test('start and delete check -namespace and -id with the flag named', () => {
  assert.doesNotThrow(() => checkFlagIdentifiers({ namespace: 'k8s.io', id: 'abc' }));
  assert.throws(() => checkFlagIdentifiers({ namespace: '../x', id: 'abc' }), /^Error: invalid -namespace: /);
  assert.throws(() => checkFlagIdentifiers({ namespace: 'default', id: 'a/b' }), /^Error: invalid -id: /);
  assert.throws(() => checkFlagIdentifiers({ namespace: 'default', id: '' }), {
    message: 'invalid -id: identifier must not be empty',
  });
});
