// Project rules that tsc and prettier cannot see:
// - only src/spawn/ may start processes (child_process or execa), so every pid is known to the reaper;
// - no `any` in src/;
// - the shim's code (all of src/ but the tsshim tool, the seccomp and spec toolkit) does not load
//   node:fs/promises: it costs every shim process memory (src/fs/callback-promises.ts).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

function walk(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

const problems = [];
for (const file of walk('src')) {
  const text = readFileSync(file, 'utf8');
  if (!file.startsWith('src/spawn/') && /from ['"](node:)?child_process['"]|from ['"]execa['"]/.test(text))
    problems.push(`${file}: starts processes outside src/spawn/`);
  if (/(:\s*any\b|as any\b|<any>)/.test(text)) problems.push(`${file}: uses any`);
  const toolOnly = /^src\/(cli|seccomp|oci)\//.test(file);
  if (!toolOnly && /from ['"](node:)?fs\/promises['"]/.test(text))
    problems.push(`${file}: loads node:fs/promises in shim code (use src/fs/callback-promises.ts)`);
}
if (problems.length) {
  console.error(problems.join('\n'));
  process.exit(1);
}
