// The bench's "no pino" lever: what src/shim/logger.ts uses of pino (levels, child loggers, the level and time
// formatters, the log formatter, a destination with write()), in as few lines as a hand-written logger takes,
// so that the lever's daemon differs from tsshim's by pino alone. Built in place of pino by esbuild's alias
// (bench/lib/builds.ts); never part of the shim.
'use strict';

const LEVELS = { debug: 20, info: 30, warn: 40, error: 50 };

function members(fields) {
  let out = '';
  for (const [k, v] of Object.entries(fields)) {
    if (v === undefined) continue;
    out += `,${JSON.stringify(k)}:${JSON.stringify(v) ?? 'null'}`;
  }
  return out;
}

function logger(opts, stream, bindings) {
  const threshold = LEVELS[opts.level] ?? LEVELS.info;
  const levelOf = opts.formatters?.level ?? ((label) => ({ level: label }));
  const format = opts.formatters?.log ?? ((o) => o);
  const time = opts.timestamp ?? (() => `,"time":${Date.now()}`);
  const out = {
    child: (more) => logger(opts, stream, bindings + members(more)),
    flush: () => stream.flush?.(),
  };
  for (const [name, value] of Object.entries(LEVELS)) {
    out[name] = (a, b) => {
      if (value < threshold) return;
      const fields = typeof a === 'string' ? undefined : a;
      const msg = typeof a === 'string' ? a : b;
      const level = members(levelOf(name, value)).slice(1);
      stream.write(
        `{${level}${time()}${bindings}${fields ? members(format(fields)) : ''},"msg":${JSON.stringify(msg)}}\n`,
      );
    };
  }
  return out;
}

module.exports = function pino(opts = {}, stream = process.stdout) {
  return logger(opts, stream, members(opts.base ?? {}));
};
module.exports.default = module.exports;
