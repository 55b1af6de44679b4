// Project rules that tsc and prettier cannot see:
// - the layers: each top folder of src/ imports only the folders below it (LAYERS), so the wire knows nothing of
//   containerd or the shim, the runtime wrapper nothing of ttrpc, the native addon's face nothing of ours, and
//   the tsshim tool talks to a shim through the API, not through the shim's internals;
// - only src/spawn/ may start processes (child_process or execa), so every pid is known to the reaper;
// - no `any` in src/;
// - the shim's code (all of src/ but the tsshim tool, the seccomp and spec toolkit) does not load
//   node:fs/promises: it costs every shim process memory (src/fs/callback-promises.ts).
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** What each top folder (or top file) of src/ may import besides itself. src/log (the one log function type)
 *  is beneath every layer. */
const LAYER_IMPORTS = {
  log: [],
  native: [],
  fs: [],
  contract: [],
  'build-info.ts': [],
  ttrpc: [],
  api: [],
  // containerd's error classes are TtrpcErrors with a class's code; the wire sends codes and knows no class.
  errdefs: ['ttrpc'],
  spawn: ['native'],
  runc: ['spawn', 'fs'],
  cgroups: ['api', 'native', 'fs'],
  validation: [],
  seccomp: ['validation'],
  oci: ['seccomp', 'validation'],
  otel: ['ttrpc'],
  shim: [
    'api',
    'contract',
    'errdefs',
    'ttrpc',
    'native',
    'spawn',
    'runc',
    'cgroups',
    'seccomp',
    'oci',
    'validation',
    'otel',
    'fs',
    'build-info.ts',
  ],
  cli: [
    'api',
    'contract',
    'errdefs',
    'ttrpc',
    'oci',
    'seccomp',
    'validation',
    'spawn',
    'otel',
    'build-info.ts',
  ],
};

export const LAYERS = Object.fromEntries(
  Object.entries(LAYER_IMPORTS).map(([layer, below]) => [layer, layer === 'log' ? below : ['log', ...below]]),
);

function walk(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

/** the layer of a path under src/: its top folder, or the file itself at the top */
function layerOf(path) {
  const parts = path.split('/');
  return parts[0] === 'src' ? parts[1] : undefined;
}

const importPattern = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)['"](\.{1,2}\/[^'"]+)['"]/g;

/** Problems in one file, given its path relative to the repository and its text. */
export function fileProblems(file, text) {
  const problems = [];
  const layer = layerOf(file);
  if (layer !== undefined) {
    const allowed = LAYERS[layer];
    if (allowed === undefined)
      problems.push(`${file}: src/${layer} is no layer of LAYERS in scripts/lint-boundaries.mjs`);
    for (const m of text.matchAll(importPattern)) {
      const target = relative('.', resolve(dirname(file), m[1]));
      const to = layerOf(target);
      if (to === undefined || to === layer || allowed === undefined) continue;
      if (!allowed.includes(to))
        problems.push(
          `${file}: imports ${target}: src/${layer} may import ${
            allowed.length ? `only ${allowed.map((l) => `src/${l}`).join(', ')}` : 'nothing else of ours'
          }`,
        );
    }
  }
  if (!file.startsWith('src/spawn/') && /from ['"](node:)?child_process['"]|from ['"]execa['"]/.test(text))
    problems.push(`${file}: starts processes outside src/spawn/`);
  if (/(:\s*any\b|as any\b|<any>)/.test(text)) problems.push(`${file}: uses any`);
  const toolOnly = /^src\/(cli|seccomp|oci)\//.test(file);
  if (!toolOnly && /from ['"](node:)?fs\/promises['"]/.test(text))
    problems.push(`${file}: loads node:fs/promises in shim code (use src/fs/callback-promises.ts)`);
  return problems;
}

export function treeProblems(root = '.') {
  return walk(join(root, 'src')).flatMap((path) =>
    fileProblems(relative(root, path), readFileSync(path, 'utf8')),
  );
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const problems = treeProblems();
  if (problems.length) {
    console.error(problems.join('\n'));
    process.exit(1);
  }
}
