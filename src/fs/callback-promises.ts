// Promise forms of the node:fs calls the shim makes, built on the callback API. Loading node:fs/promises
// (FileHandle and its machinery) costs every shim process private memory for its whole life; the
// callback API is part of node:fs, which every process has loaded already.
import fs from 'node:fs';
import { promisify } from 'node:util';

export const readFile = promisify(fs.readFile);
export const writeFile = promisify(fs.writeFile);
export const rm = promisify(fs.rm);
export const mkdir = promisify(fs.mkdir);
export const mkdtemp = promisify(fs.mkdtemp);
export const chmod = promisify(fs.chmod);
export const stat = promisify(fs.stat);
export const open = promisify(fs.open);
export const fstat = promisify(fs.fstat);
export const close = promisify(fs.close);

/** read(2) at a position; resolves to the bytes read */
export function readAt(fd: number, buf: Buffer, length: number, position: number): Promise<number> {
  return new Promise((resolve, reject) => {
    fs.read(fd, buf, 0, length, position, (err, bytesRead) => (err ? reject(err) : resolve(bytesRead)));
  });
}
