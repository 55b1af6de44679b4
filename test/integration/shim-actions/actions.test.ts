// The shim binary's command-line actions as containerd invokes them, without containerd: start, delete,
// -info, -v, and the server's peer-credential check.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync, spawn } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decode, encode } from '../../../src/api/codec.ts';
import { packAny } from '../../../src/api/any.ts';
import { TypeNames, TaskServices } from '../../../src/api/types.ts';
import { Client } from '../../../src/ttrpc/index.ts';
import { socketAddress } from '../../../src/contract/shim-address.ts';

const shim = join(process.cwd(), 'bin', 'containerd-shim-tsshim-v2');

interface Run {
  status: number | null;
  stdout: Buffer;
  stderr: string;
}

function runShim(
  args: string[],
  opts: { cwd?: string; input?: Uint8Array; env?: NodeJS.ProcessEnv } = {},
): Run {
  const r = spawnSync(shim, args, {
    cwd: opts.cwd,
    input: opts.input ?? new Uint8Array(),
    env: opts.env ?? process.env,
    timeout: 20_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr.toString() };
}

function makeBundle(root: string, name: string, annotations: Record<string, string> = {}): string {
  const bundle = join(root, name);
  mkdirSync(bundle, { recursive: true });
  writeFileSync(join(bundle, 'config.json'), JSON.stringify({ ociVersion: '1.0.2', annotations }));
  return bundle;
}

/** the shim's pid, through the Connect call containerd makes (v2 or v3) */
async function shimPidAt(address: string, id: string, service: string = TaskServices.v2): Promise<number> {
  const client = await Client.connect(address.replace('unix://', ''));
  try {
    const { shim_pid } = decode<{ shim_pid: number }>(
      TypeNames.connectResponse,
      await client.call(service, 'Connect', encode(TypeNames.connectRequest, { id })),
    );
    return shim_pid;
  } finally {
    client.close();
  }
}

async function shutdownShim(address: string): Promise<void> {
  const client = await Client.connect(address.replace('unix://', ''));
  try {
    await client.call(TaskServices.v3, 'Shutdown', encode(TypeNames.shutdownRequest, { id: 'x' }));
  } catch {
    /* the shim may close the connection as it exits */
  } finally {
    client.close();
  }
}

async function waitGone(path: string, timeoutMs = 10_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!existsSync(path)) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}

describe('shim -v and -info', () => {
  test('-v prints the version block containerd shows for a shim', () => {
    const r = runShim(['-v']);
    assert.equal(r.status, 0);
    assert.match(
      r.stdout.toString(),
      /^containerd-shim-tsshim-v2:\n {2}Version: {2}\S+\n {2}Revision: \S+\n/,
    );
  });

  test('-info with no options reports io.containerd.runc.v2 and runc features JSON', () => {
    const r = runShim(['-info']);
    assert.equal(r.status, 0, r.stderr);
    const info = decode<{
      name: string;
      version: { version: string };
      options: unknown;
      features: { type_url: string; value: Uint8Array };
    }>(TypeNames.runtimeInfo, r.stdout);
    assert.equal(info.name, 'io.containerd.runc.v2');
    assert.ok(info.version.version);
    assert.equal(info.options, null);
    assert.equal(
      info.features.type_url,
      'types.containerd.io/opencontainers/runtime-spec/1/features/Features',
    );
    const features = JSON.parse(Buffer.from(info.features.value).toString()) as { ociVersionMin?: string };
    assert.ok(features.ociVersionMin, 'runc features has ociVersionMin');
  });

  test('-info echoes the options it was given', () => {
    const opts = packAny(TypeNames.runcOptions, { binary_name: 'runc', root: '/run/x' });
    const r = runShim(['-info'], { input: encode(TypeNames.any, opts) });
    assert.equal(r.status, 0, r.stderr);
    const info = decode<{ options: { type_url: string } }>(TypeNames.runtimeInfo, r.stdout);
    assert.equal(info.options.type_url, 'containerd.runc.v1.Options');
  });

  test('-info with a binary that does not exist fails with a message naming it', () => {
    const opts = packAny(TypeNames.runcOptions, { binary_name: 'no-such-runtime' });
    const r = runShim(['-info'], { input: encode(TypeNames.any, opts) });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /no-such-runtime.*executable file not found/);
  });
});

describe('shim start', () => {
  let root: string;
  const addresses: string[] = [];
  before(() => {
    root = mkdtempSync(join(tmpdir(), 'tsshim-actions-'));
  });
  after(async () => {
    for (const a of addresses) await shutdownShim(a).catch(() => undefined);
    rmSync(root, { recursive: true, force: true });
  });

  test('prints exactly the address, owns a 0600 socket, writes the address file, and holds none of its stdio', async () => {
    const bundle = makeBundle(root, 'c1');
    const ctrdAddress = join(root, 'containerd.sock');
    // spawnSync returns only when stdout and stderr are closed: a daemon holding them would hang it
    const r = runShim(
      ['-namespace', 'ns1', '-address', ctrdAddress, '-publish-binary', 'x', '-id', 'c1', 'start'],
      {
        cwd: bundle,
      },
    );
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stderr, '');
    const address = r.stdout.toString();
    addresses.push(address);
    assert.equal(address, socketAddress(ctrdAddress, 'ns1', 'c1'));
    const path = address.slice('unix://'.length);
    assert.ok(statSync(path).isSocket());
    assert.equal(statSync(path).mode & 0o777, 0o600);
    assert.equal(readFileSync(join(bundle, 'address'), 'utf8'), address);
  });

  test("the daemon's oom_score_adj is its caller's plus one, as the Go shim sets it", async () => {
    const bundle = makeBundle(root, 'oom');
    const mine = Number(readFileSync('/proc/self/oom_score_adj', 'utf8'));
    const r = runShim(
      ['-namespace', 'ns1', '-address', join(root, 'containerd.sock'), '-id', 'oom', 'start'],
      {
        cwd: bundle,
      },
    );
    assert.equal(r.status, 0, r.stderr);
    addresses.push(r.stdout.toString());
    const shim_pid = await shimPidAt(r.stdout.toString(), 'oom');
    // start's caller is this test process (spawnSync's parent), so the daemon gets our score + 1
    assert.equal(Number(readFileSync(`/proc/${shim_pid}/oom_score_adj`, 'utf8')), Math.min(1000, mine + 1));
  });

  test('NODE_OPTIONS and NODE_EXTRA_CA_CERTS do not reach the shim; the CA file is kept for the OTLP exporter', async () => {
    const bundle = makeBundle(root, 'env');
    // a NODE_OPTIONS the shim obeyed would fail every node process it starts
    const env = {
      ...process.env,
      NODE_OPTIONS: '--require /nonexistent/tsshim-test-preload.js',
      NODE_EXTRA_CA_CERTS: '/etc/ssl/certs/ca-certificates.crt',
    };
    const v = runShim(['-v'], { env });
    assert.equal(v.status, 0, v.stderr);
    const r = runShim(
      ['-namespace', 'ns1', '-address', join(root, 'containerd.sock'), '-id', 'env', 'start'],
      {
        cwd: bundle,
        env,
      },
    );
    assert.equal(r.status, 0, r.stderr);
    addresses.push(r.stdout.toString());
    const shim_pid = await shimPidAt(r.stdout.toString(), 'env');
    const daemonEnv = readFileSync(`/proc/${shim_pid}/environ`, 'utf8').split('\0');
    assert.ok(!daemonEnv.some((e) => e.startsWith('NODE_OPTIONS=')));
    assert.ok(!daemonEnv.some((e) => e.startsWith('NODE_EXTRA_CA_CERTS=')));
    assert.ok(daemonEnv.includes('TSSHIM_NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt'));
    // and `ps` shows it by the name it was run as
    assert.match(
      readFileSync(`/proc/${shim_pid}/cmdline`, 'utf8'),
      /containerd-shim-[a-z-]+-v2 -namespace ns1/,
    );
  });

  test('a second container of the same group reuses the live shim', async () => {
    const ctrdAddress = join(root, 'containerd.sock');
    const a = makeBundle(root, 'g1', { 'io.containerd.runc.v2.group': 'pod' });
    const b = makeBundle(root, 'g2', { 'io.kubernetes.cri.sandbox-id': 'pod' });
    const first = runShim(['-namespace', 'ns1', '-address', ctrdAddress, '-id', 'g1', 'start'], { cwd: a });
    assert.equal(first.status, 0, first.stderr);
    addresses.push(first.stdout.toString());
    const before = await shimPidAt(first.stdout.toString(), 'g1');
    const second = runShim(['-namespace', 'ns1', '-address', ctrdAddress, '-id', 'g2', 'start'], { cwd: b });
    assert.equal(second.status, 0, second.stderr);
    assert.equal(second.stdout.toString(), first.stdout.toString());
    assert.equal(readFileSync(join(b, 'address'), 'utf8'), first.stdout.toString());
    const after = await shimPidAt(second.stdout.toString(), 'g2', TaskServices.v3);
    assert.equal(after, before, 'the same shim process serves both');
  });

  test('a stale socket file with nobody listening is replaced', () => {
    const ctrdAddress = join(root, 'containerd.sock');
    const bundle = makeBundle(root, 'stale');
    const path = socketAddress(ctrdAddress, 'ns1', 'stale').slice(7);
    // a socket file left by a dead shim: bind it from a short-lived process
    spawnSync('python3', [
      '-c',
      `import socket; s=socket.socket(socket.AF_UNIX); s.bind(${JSON.stringify(path)})`,
    ]);
    assert.ok(existsSync(path));
    const r = runShim(['-namespace', 'ns1', '-address', ctrdAddress, '-id', 'stale', 'start'], {
      cwd: bundle,
    });
    assert.equal(r.status, 0, r.stderr);
    addresses.push(r.stdout.toString());
  });

  test('2.3+ bootstrap: answers a BootstrapResult v3 and links the socket dir into the bundle', async () => {
    const bundle = makeBundle(root, 'boot');
    const socketDir = join(root, 's');
    const params = encode(TypeNames.bootstrapParams, {
      instance_id: 'boot',
      namespace: 'ns1',
      containerd_ttrpc_address: join(root, 'containerd.sock.ttrpc'),
      extensions: [{ value: packAny(TypeNames.runcOptions, {}) }],
      socket_dir: socketDir,
    });
    const r = runShim(
      ['-namespace', 'ns1', '-address', join(root, 'containerd.sock'), '-id', 'boot', 'start'],
      {
        cwd: bundle,
        input: params,
      },
    );
    assert.equal(r.status, 0, r.stderr);
    const res = decode<{ version: number; address: string; protocol: string }>(
      TypeNames.bootstrapResult,
      r.stdout,
    );
    // recorded before any assertion, so the after hook shuts this shim down whatever fails below
    addresses.push(res.address);
    assert.equal(res.version, 3);
    assert.equal(res.protocol, 'ttrpc');
    assert.ok(res.address.startsWith(`unix://${socketDir}/`));
    assert.ok(lstatSync(join(bundle, 's')).isSymbolicLink());
    assert.equal(readlinkSync(join(bundle, 's')), socketDir);
  });

  test('a bundle without config.json fails with a prefixed message and leaves no socket', () => {
    const bundle = join(root, 'empty');
    mkdirSync(bundle);
    const ctrdAddress = join(root, 'containerd.sock');
    const r = runShim(['-namespace', 'ns1', '-address', ctrdAddress, '-id', 'empty', 'start'], {
      cwd: bundle,
    });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /^io\.containerd\.runc\.v2: .*config\.json/);
    assert.equal(existsSync(socketAddress(ctrdAddress, 'ns1', 'empty').slice(7)), false);
  });

  test('missing namespace is refused', () => {
    const r = runShim(['-id', 'x', 'start'], { cwd: root });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /shim namespace cannot be empty/);
  });

  test('Shutdown with no container left stops the shim and removes its socket', async () => {
    const bundle = makeBundle(root, 'down');
    const r = runShim(
      ['-namespace', 'ns1', '-address', join(root, 'containerd.sock'), '-id', 'down', 'start'],
      {
        cwd: bundle,
      },
    );
    assert.equal(r.status, 0, r.stderr);
    const path = r.stdout.toString().slice(7);
    await shutdownShim(r.stdout.toString());
    assert.ok(await waitGone(path), 'socket removed after shutdown');
  });

  test('a peer with another uid is refused by the server (SO_PEERCRED same-user check)', async () => {
    const bundle = makeBundle(root, 'cred');
    // a socket dir that `nobody` may traverse, through the 2.3+ bootstrap's socket_dir
    const socketDir = join(root, 'cred-s');
    mkdirSync(socketDir, { mode: 0o755 });
    chmodSync(root, 0o755);
    const params = encode(TypeNames.bootstrapParams, {
      instance_id: 'cred',
      namespace: 'ns1',
      socket_dir: socketDir,
    });
    const r = runShim(
      ['-namespace', 'ns1', '-address', join(root, 'containerd.sock'), '-id', 'cred', 'start'],
      {
        cwd: bundle,
        input: params,
      },
    );
    assert.equal(r.status, 0, r.stderr);
    const address = decode<{ address: string }>(TypeNames.bootstrapResult, r.stdout).address;
    addresses.push(address);
    const path = address.slice(7);
    chmodSync(socketDir, 0o755);
    chmodSync(path, 0o666);
    // As nobody: connect, send a valid Connect request, read until the server closes.
    const request = Buffer.from(
      '000000270000000101000a17636f6e7461696e6572642e7461736b2e76322e5461736b120553746174651a050a03616263',
      'hex',
    );
    const py = [
      'import os, socket, sys',
      'os.setgid(65534); os.setuid(65534)',
      's = socket.socket(socket.AF_UNIX)',
      `s.connect(${JSON.stringify(path)})`,
      's.settimeout(5)',
      'try:',
      `    s.sendall(bytes.fromhex(${JSON.stringify(request.toString('hex'))}))`,
      '    data = s.recv(100)',
      'except (ConnectionResetError, BrokenPipeError):',
      '    data = b""',
      'print(len(data))',
    ].join('\n');
    const out = await new Promise<string>((resolve) => {
      const p = spawn('python3', ['-c', py]);
      let text = '';
      p.stdout.on('data', (d: Buffer) => (text += d.toString()));
      p.stderr.on('data', (d: Buffer) => (text += d.toString()));
      p.on('close', () => resolve(text.trim()));
    });
    assert.equal(out, '0', 'the refused peer reads EOF and no bytes');
    // root (our uid) is still served
    const client = await Client.connect(path);
    await client.call(TaskServices.v2, 'Connect', encode(TypeNames.connectRequest, { id: 'x' }));
    client.close();
  });
});

describe('shim delete', () => {
  let root: string;
  before(() => {
    root = mkdtempSync(join(tmpdir(), 'tsshim-delete-'));
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  test('prints a DeleteResponse with status 137 and uint32(-1) when init.pid is missing, and is idempotent', () => {
    const bundle = makeBundle(root, 'd1');
    const args = [
      '-namespace',
      'ns1',
      '-address',
      join(root, 'containerd.sock'),
      '-id',
      'd1',
      '-bundle',
      bundle,
      'delete',
    ];
    for (let i = 0; i < 2; i++) {
      const r = runShim(args, { cwd: bundle });
      assert.equal(r.status, 0, r.stderr);
      const res = decode<{ pid: number; exit_status: number; exited_at: { seconds: number } }>(
        TypeNames.deleteResponse,
        r.stdout,
      );
      assert.equal(res.pid, 4294967295);
      assert.equal(res.exit_status, 137);
      assert.ok(Math.abs(res.exited_at.seconds - Date.now() / 1000) < 60);
    }
  });

  test('removes the socket of a killed shim, and keeps the one of a live shim', async () => {
    const ctrd = join(root, 'containerd.sock');
    const bundle = makeBundle(root, 'dead');
    const started = runShim(['-namespace', 'ns1', '-address', ctrd, '-id', 'dead', 'start'], { cwd: bundle });
    assert.equal(started.status, 0, started.stderr);
    const address = started.stdout.toString();
    const path = address.slice('unix://'.length);
    const args = ['-namespace', 'ns1', '-address', ctrd, '-id', 'dead', '-bundle', bundle, 'delete'];
    // alive: delete (as containerd runs it for one container of a group) must not take the socket away
    assert.equal(runShim(args, { cwd: bundle }).status, 0);
    assert.ok(existsSync(path), 'a live shim keeps its socket');
    const shim_pid = await shimPidAt(path, 'dead');
    process.kill(shim_pid, 'SIGKILL');
    await waitGone(`/proc/${shim_pid}/status`).catch(() => undefined);
    const r = runShim(args, { cwd: bundle });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(existsSync(path), false, 'the dead shim’s socket is removed');
  });

  test('reads init.pid and unmounts what is left on the rootfs', () => {
    const bundle = makeBundle(root, 'd2');
    mkdirSync(join(bundle, 'rootfs'));
    writeFileSync(join(bundle, 'init.pid'), '4242');
    assert.equal(spawnSync('mount', ['-t', 'tmpfs', 'tmpfs', join(bundle, 'rootfs')]).status, 0);
    const r = runShim(
      ['-namespace', 'ns1', '-address', join(root, 'c.sock'), '-id', 'd2', '-bundle', bundle, 'delete'],
      {
        cwd: bundle,
      },
    );
    assert.equal(r.status, 0, r.stderr);
    assert.equal(decode<{ pid: number }>(TypeNames.deleteResponse, r.stdout).pid, 4242);
    assert.ok(
      !readFileSync('/proc/self/mountinfo', 'utf8').includes(join(bundle, 'rootfs')),
      'rootfs unmounted',
    );
  });
});
