// pino, evaluated on the first line the shim writes rather than when the daemon loads: pino and the modules it
// requires (node:worker_threads and node:assert among them) cost a daemon memory for its whole life and start-up
// time, and a shim at containerd's default level writes no line at all while its containers run. A CommonJS
// require inside a function is what keeps the bundler's copy of pino lazy and synchronous (an import() would make
// every log call wait for a promise).
'use strict';

module.exports = function loadPino() {
  return require('pino');
};
