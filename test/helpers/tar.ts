// A small ustar writer for test fixtures (image layers and OCI archives): regular files, directories and
// symlinks, with PAX extended headers for paths or link targets that do not fit the ustar fields.
const BLOCK = 512;

export type TarEntry =
  | { type: 'file'; path: string; data: Buffer; mode?: number }
  | { type: 'dir'; path: string; mode?: number }
  | { type: 'symlink'; path: string; target: string };

/** Fixed so that the same input always gives the same bytes (and so the same digests). */
const MTIME = 0;

function octal(value: number, width: number): string {
  // width includes the terminating NUL
  return value.toString(8).padStart(width - 1, '0') + '\0';
}

function fitsField(s: string, width: number): boolean {
  return Buffer.byteLength(s) <= width && /^[\x20-\x7e]*$/.test(s);
}

/** Split a long path into ustar's prefix (155) and name (100) at a slash, when possible. */
function splitPath(path: string): { prefix: string; name: string } | undefined {
  if (fitsField(path, 100)) return { prefix: '', name: path };
  if (!/^[\x20-\x7e]*$/.test(path)) return undefined;
  for (let i = path.length - 1; i > 0; i--) {
    if (path[i] !== '/') continue;
    const prefix = path.slice(0, i);
    const name = path.slice(i + 1);
    if (prefix.length <= 155 && name.length > 0 && name.length <= 100) return { prefix, name };
  }
  return undefined;
}

function header(opts: {
  name: string;
  prefix: string;
  mode: number;
  size: number;
  typeflag: string;
  linkname: string;
}): Buffer {
  const h = Buffer.alloc(BLOCK, 0);
  h.write(opts.name, 0, 100, 'utf8');
  h.write(octal(opts.mode, 8), 100, 8, 'ascii');
  h.write(octal(0, 8), 108, 8, 'ascii'); // uid
  h.write(octal(0, 8), 116, 8, 'ascii'); // gid
  h.write(octal(opts.size, 12), 124, 12, 'ascii');
  h.write(octal(MTIME, 12), 136, 12, 'ascii');
  h.write('        ', 148, 8, 'ascii'); // checksum is computed with this field as spaces
  h.write(opts.typeflag, 156, 1, 'ascii');
  h.write(opts.linkname, 157, 100, 'utf8');
  h.write('ustar\0', 257, 6, 'ascii');
  h.write('00', 263, 2, 'ascii');
  h.write('root', 265, 32, 'ascii');
  h.write('root', 297, 32, 'ascii');
  h.write(octal(0, 8), 329, 8, 'ascii');
  h.write(octal(0, 8), 337, 8, 'ascii');
  h.write(opts.prefix, 345, 155, 'utf8');
  let sum = 0;
  for (const byte of h) sum += byte;
  h.write(octal(sum, 7) + ' ', 148, 8, 'ascii');
  return h;
}

function padding(size: number): Buffer {
  const rest = size % BLOCK;
  return Buffer.alloc(rest === 0 ? 0 : BLOCK - rest, 0);
}

/** One PAX record: "<len> <key>=<value>\n", where len counts the whole record including its own digits. */
function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  const bodyLength = Buffer.byteLength(body);
  let len = bodyLength + String(bodyLength).length;
  // Adding the digits can itself add a digit (e.g. 98 + 2 = 100).
  if (String(len).length !== String(bodyLength).length) len = bodyLength + String(len).length;
  return `${len}${body}`;
}

function paxHeader(path: string, records: Record<string, string>): Buffer[] {
  const data = Buffer.from(
    Object.entries(records)
      .map(([k, v]) => paxRecord(k, v))
      .join(''),
    'utf8',
  );
  const name = `PaxHeaders/${path.replace(/\/$/, '').split('/').pop() ?? 'entry'}`.slice(0, 100);
  return [
    header({ name, prefix: '', mode: 0o644, size: data.length, typeflag: 'x', linkname: '' }),
    data,
    padding(data.length),
  ];
}

export function tarEntries(entries: Iterable<TarEntry>): Buffer {
  const parts: Buffer[] = [];
  for (const entry of entries) {
    const path = entry.type === 'dir' && !entry.path.endsWith('/') ? `${entry.path}/` : entry.path;
    const linkname = entry.type === 'symlink' ? entry.target : '';
    const pax: Record<string, string> = {};
    let split = splitPath(path);
    if (!split) {
      pax.path = path;
      split = { prefix: '', name: path.slice(0, 100) };
    }
    let link = linkname;
    if (!fitsField(linkname, 100)) {
      pax.linkpath = linkname;
      link = '';
    }
    if (Object.keys(pax).length > 0) parts.push(...paxHeader(path, pax));
    const size = entry.type === 'file' ? entry.data.length : 0;
    const mode = entry.type === 'symlink' ? 0o777 : (entry.mode ?? (entry.type === 'dir' ? 0o755 : 0o644));
    const typeflag = entry.type === 'file' ? '0' : entry.type === 'dir' ? '5' : '2';
    parts.push(header({ name: split.name, prefix: split.prefix, mode, size, typeflag, linkname: link }));
    if (entry.type === 'file') parts.push(entry.data, padding(entry.data.length));
  }
  parts.push(Buffer.alloc(BLOCK * 2, 0));
  return Buffer.concat(parts);
}
