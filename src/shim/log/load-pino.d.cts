import type pino from 'pino';

declare function loadPino(): typeof pino;
export = loadPino;
