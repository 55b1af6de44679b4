// What `start` and `delete` do with input they should not trust: ids on the command line that containerd would
// never send, and an address file that names something else than the socket of this bundle's shim.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encode } from '../../../src/api/codec.ts';
import { TaskServices, TypeNames } from '../../../src/api/types.ts';
import { DEFAULT_SOCKET_DIR, socketAddress } from '../../../src/contract/shim-address.ts';
import { Client } from '../../../src/ttrpc/index.ts';

const shim = join(process.cwd(), 'bin', 'containerd-shim-tsshim-v2');

function runShim(args: string[], cwd: string): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(shim, args, { cwd, input: new Uint8Array(), timeout: 20_000 });
  return { status: r.status, stdout: r.stdout.toString(), stderr: r.stderr.toString() };
}

function makeBundle(root: string, name: string): string {
  const bundle = join(root, name);
  mkdirSync(bundle, { recursive: true });
  writeFileSync(join(bundle, 'config.json'), JSON.stringify({ ociVersion: '1.0.2' }));
  return bundle;
}

/** A socket file nobody listens on, as a killed shim leaves it: bound by a process that then exits. */
function deadSocket(path: string): void {
  const r = spawnSync('python3', [
    '-c',
    `import socket; s=socket.socket(socket.AF_UNIX); s.bind(${JSON.stringify(path)})`,
  ]);
  assert.equal(r.status, 0, r.stderr.toString());
  assert.ok(lstatSync(path).isSocket());
}

/** A name as `start` gives a shim's socket: 64 hex characters. */
function shimSocketName(): string {
  return randomBytes(32).toString('hex');
}

async function shutdown(address: string): Promise<void> {
  const client = await Client.connect(address.replace('unix://', ''));
  try {
    await client.call(TaskServices.v2, 'Shutdown', encode(TypeNames.shutdownRequest, { id: 'x' }));
  } catch {
    /* the shim may close the connection as it exits */
  } finally {
    client.close();
  }
}

describe('start and delete refuse ids containerd would not send', () => {
  let root: string;
  const addresses: string[] = [];
  before(() => {
    root = mkdtempSync(join(tmpdir(), 'tsshim-hostile-ids-'));
  });
  after(async () => {
    // only if a start went ahead anyway
    for (const a of addresses) await shutdown(a).catch(() => undefined);
    rmSync(root, { recursive: true, force: true });
  });

  for (const [flag, namespace, id] of [
    ['-id', 'ns1', '../escape'],
    ['-id', 'ns1', 'a/b'],
    ['-id', 'ns1', 'x\n'],
    ['-id', 'ns1', 'a'.repeat(77)],
    ['-namespace', '../ns', 'ok'],
  ] as const) {
    const shown = JSON.stringify(flag === '-id' ? id : namespace);
    test(`start with ${flag} ${shown} fails with the rule and starts nothing`, () => {
      const bundle = makeBundle(root, `start-${shimSocketName().slice(0, 8)}`);
      const ctrd = join(root, 'containerd.sock');
      const r = runShim(['-namespace', namespace, '-address', ctrd, '-id', id, 'start'], bundle);
      if (r.status === 0) addresses.push(r.stdout);
      assert.equal(r.status, 1);
      assert.equal(r.stdout, '');
      assert.match(r.stderr, new RegExp(`invalid ${flag}: identifier .*(must match|maximum length)`));
      assert.equal(existsSync(join(bundle, 'address')), false, 'no address file');
      assert.equal(existsSync(socketAddress(ctrd, namespace, id).slice(7)), false, 'no socket');
    });
  }

  test('delete with a hostile -id fails with the rule before it runs anything', () => {
    const bundle = makeBundle(root, 'delete-id');
    const r = runShim(
      ['-namespace', 'ns1', '-address', join(root, 'c.sock'), '-id', '../x', '-bundle', bundle, 'delete'],
      bundle,
    );
    assert.equal(r.status, 1);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /invalid -id: identifier "\.\.\/x" must match/);
  });
});

describe('delete removes only a dead shim socket in the shim socket directory', () => {
  let root: string;
  /** files this suite made in the shared socket directory */
  const made: string[] = [];
  before(() => {
    root = mkdtempSync(join(tmpdir(), 'tsshim-tampered-'));
    mkdirSync(DEFAULT_SOCKET_DIR, { recursive: true, mode: 0o700 });
  });
  after(() => {
    for (const p of made) rmSync(p, { force: true });
    rmSync(root, { recursive: true, force: true });
  });

  /** Runs `delete` for a bundle whose address file names `target`; returns its stderr. */
  function deleteWithAddress(
    name: string,
    target: string,
    setup: (bundle: string) => void = () => {},
  ): string {
    const bundle = makeBundle(root, name);
    // a pid file, so that any warning is about the socket
    writeFileSync(join(bundle, 'init.pid'), '4242');
    writeFileSync(join(bundle, 'address'), `unix://${target}`);
    setup(bundle);
    const r = runShim(
      ['-namespace', 'ns1', '-address', join(root, 'c.sock'), '-id', name, '-bundle', bundle, 'delete'],
      bundle,
    );
    assert.equal(r.status, 0, r.stderr);
    return r.stderr;
  }

  test('a regular file outside the socket directory is kept, with a warning', () => {
    const victim = join(root, 'precious');
    writeFileSync(victim, 'keep me');
    const stderr = deleteWithAddress('regular', victim);
    assert.ok(existsSync(victim), 'the file is still there');
    assert.match(
      stderr,
      /not removing ".*precious" named in the address file: it is not in the shim socket directory/,
    );
  });

  test('a regular file named like a shim socket in the socket directory is kept, with a warning', () => {
    const victim = join(DEFAULT_SOCKET_DIR, shimSocketName());
    writeFileSync(victim, 'not a socket');
    made.push(victim);
    const stderr = deleteWithAddress('regular-in-dir', victim);
    assert.ok(existsSync(victim), 'the file is still there');
    assert.match(stderr, /: it is not a socket\n/);
  });

  test('a symlink in the socket directory to a dead socket is kept, and so is the socket', () => {
    const socket = join(root, 'dead.sock');
    deadSocket(socket);
    const link = join(DEFAULT_SOCKET_DIR, shimSocketName());
    symlinkSync(socket, link);
    made.push(link);
    const stderr = deleteWithAddress('symlink', link);
    assert.ok(lstatSync(link).isSymbolicLink(), 'the link is still there');
    assert.ok(lstatSync(socket).isSocket(), 'the socket it points at is still there');
    assert.match(stderr, /: it is a symbolic link\n/);
  });

  test('a dead socket outside the socket directory is kept, with a warning', () => {
    const socket = join(root, 'other.sock');
    deadSocket(socket);
    const stderr = deleteWithAddress('outside', socket);
    assert.ok(lstatSync(socket).isSocket(), 'the socket is still there');
    assert.match(stderr, /it is not in the shim socket directory \(\/run\/containerd\/s\)/);
  });

  test('a path that leaves the socket directory through .. is kept, with a warning', () => {
    const socket = join(root, 'dotdot.sock');
    deadSocket(socket);
    const stderr = deleteWithAddress('dotdot', `${DEFAULT_SOCKET_DIR}/../../..${socket}`);
    assert.ok(lstatSync(socket).isSocket(), 'the socket is still there');
    assert.match(stderr, /it is not a plain absolute path/);
  });

  test('a dead socket in the socket directory with another name than a shim gives its sockets is kept', () => {
    const socket = join(DEFAULT_SOCKET_DIR, `tsshim-test-${shimSocketName().slice(0, 8)}`);
    deadSocket(socket);
    made.push(socket);
    const stderr = deleteWithAddress('odd-name', socket);
    assert.ok(lstatSync(socket).isSocket(), 'the socket is still there');
    assert.match(stderr, /it is not named as a shim socket/);
  });

  test('2.3+: a dead socket in the socket directory the bootstrap gave (linked as s) is removed, quietly', () => {
    const socketDir = join(root, 'bootstrap-s');
    mkdirSync(socketDir, { mode: 0o700 });
    const socket = join(socketDir, shimSocketName());
    deadSocket(socket);
    const stderr = deleteWithAddress('bootstrap', socket, (bundle) =>
      symlinkSync(socketDir, join(bundle, 's')),
    );
    assert.equal(existsSync(socket), false, 'the dead socket is removed');
    assert.equal(stderr, '');
  });

  test('a dead shim socket in the default directory is removed, quietly; a missing one is no warning', () => {
    const socket = join(DEFAULT_SOCKET_DIR, shimSocketName());
    deadSocket(socket);
    made.push(socket);
    assert.equal(deleteWithAddress('default-dir', socket), '');
    assert.equal(existsSync(socket), false, 'the dead socket is removed');
    // containerd runs delete again after a normal shutdown, when the socket is gone already
    assert.equal(deleteWithAddress('default-dir-again', socket), '');
  });
});
