// Builds what runs: the protobuf descriptor (from the .proto files) and one bundle per entry point.
import { build } from 'esbuild';
import { writeDescriptor } from './gen-descriptor.mjs';

await writeDescriptor();

const banner = {
  js: [
    "import { createRequire as __tsshimCreateRequire } from 'node:module';",
    'const require = __tsshimCreateRequire(import.meta.url);',
  ].join('\n'),
};

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  banner,
  sourcemap: false,
  minifySyntax: true,
  legalComments: 'none',
  logLevel: 'warning',
};

const entries = (process.env.TSSHIM_BUILD_ENTRIES ?? 'shim,tsshim').split(',');
const points = {
  shim: { entryPoints: ['src/shim/main.ts'], outfile: 'dist/shim.mjs' },
  tsshim: { entryPoints: ['src/cli/main.ts'], outfile: 'dist/tsshim.mjs' },
};
await Promise.all(entries.map((name) => build({ ...common, ...points[name] })));
