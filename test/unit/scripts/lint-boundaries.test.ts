// The layer rule of scripts/lint-boundaries.mjs: a wrong import fails with the rule it breaks; the tree as it is
// passes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileProblems, treeProblems } from '../../../scripts/lint-boundaries.mjs';

test('the wire importing the shim is refused, naming what the wire may import', () => {
  const problems = fileProblems(
    'src/ttrpc/server.ts',
    "import { TaskService } from '../shim/service/task-service.ts';",
  );
  assert.deepEqual(problems, [
    'src/ttrpc/server.ts: imports src/shim/service/task-service.ts: src/ttrpc may import only src/log',
  ]);
});

test('the CLI reaching into the shim, and the runtime wrapper into ttrpc, are refused', () => {
  assert.match(
    fileProblems('src/cli/shim/client.ts', "import { x } from '../../shim/daemon.ts';")[0] ?? '',
    /src\/cli may import only src\/log, src\/api, src\/contract/,
  );
  assert.match(
    fileProblems('src/runc/runc.ts', "import type { Server } from '../ttrpc/index.ts';")[0] ?? '',
    /src\/runc/,
  );
  assert.match(
    fileProblems('src/native/index.ts', "const m = await import('../shim/main.ts');")[0] ?? '',
    /src\/native may import only src\/log/,
  );
});

test("the wire importing containerd's error classes is refused; errdefs may build on the wire", () => {
  assert.deepEqual(
    fileProblems('src/ttrpc/client.ts', "import { errdefsKind } from '../errdefs/index.ts';"),
    ['src/ttrpc/client.ts: imports src/errdefs/index.ts: src/ttrpc may import only src/log'],
  );
  assert.deepEqual(
    fileProblems('src/ttrpc/server-connection.ts', "const e = await import('../errdefs/index.ts');"),
    ['src/ttrpc/server-connection.ts: imports src/errdefs/index.ts: src/ttrpc may import only src/log'],
  );
  assert.match(
    fileProblems(
      'src/errdefs/index.ts',
      "import { TaskService } from '../shim/service/task-service.ts';",
    )[0] ?? '',
    /src\/errdefs may import only src\/log, src\/ttrpc$/,
  );
  assert.deepEqual(
    fileProblems('src/errdefs/index.ts', "import { Code, TtrpcError } from '../ttrpc/index.ts';"),
    [],
  );
  assert.deepEqual(
    fileProblems('src/shim/container.ts', "import { errNotFound } from '../errdefs/index.ts';"),
    [],
  );
  assert.deepEqual(
    fileProblems('src/cli/shim/index.ts', "import { errdefsKind } from '../../errdefs/index.ts';"),
    [],
  );
});

test('imports within a layer and downwards pass', () => {
  assert.deepEqual(
    fileProblems(
      'src/shim/daemon.ts',
      "import { Server } from '../ttrpc/index.ts';\nimport { x } from './flags.ts';",
    ),
    [],
  );
  assert.deepEqual(
    fileProblems('src/cli/shim/client.ts', "import { socketPath } from '../../contract/shim-address.ts';"),
    [],
  );
});

test('a new top folder must be given its place', () => {
  assert.match(fileProblems('src/newthing/a.ts', '')[0] ?? '', /no layer of LAYERS/);
});

test('the tree as it is keeps every rule', () => {
  assert.deepEqual(treeProblems(), []);
});
