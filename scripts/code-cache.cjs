// `node [the flags the bundle will run under] scripts/code-cache.cjs BUNDLE.cjs [LOAD_AS]` writes BUNDLE.cjs.cache: the
// V8 code cache of the bundle after its top level ran (so it holds the functions loading compiles, not only the
// top level). src/shim/boot/bundle-loader.ts reads it; V8 checks it against its version and flags there.
'use strict';
const { readFileSync, writeFileSync } = require('node:fs');
const Module = require('node:module');
const { dirname, resolve } = require('node:path');
const { Script } = require('node:vm');

const file = process.argv[2] && resolve(process.argv[2]);
if (!file) {
  process.stderr.write('usage: node [flags] scripts/code-cache.cjs BUNDLE.cjs\n');
  process.exit(2);
}
// V8 keeps the script's name in the cache and stacks show it: the name it will be loaded under (a build made
// beside dist is moved there)
const loadAs = process.argv[3] ? resolve(process.argv[3]) : file;
const script = new Script(Module.wrap(readFileSync(file, 'utf8')), { filename: loadAs });
const wrapper = script.runInThisContext();
const module_ = { exports: {} };
wrapper.call(module_.exports, module_.exports, Module.createRequire(file), module_, file, dirname(file));
writeFileSync(`${file}.cache`, script.createCachedData());
