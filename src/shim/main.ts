// Entry point of containerd-shim-runc-v2 (tsshim): `start`, `delete`, `-info`, `-v`, or the server.
// Only what an action needs is loaded: containerd runs `start` for every container of a group.
import { FlagError, parseFlags } from './flags.ts';
import { readStdin } from './stdin.ts';
import { RUNTIME_NAME, versionText } from './version.ts';

/** the name containerd ran the shim by (bin/containerd-shim-tsshim-v2 passes it on) */
function invokedAs(): string {
  return process.env.TSSHIM_ARGV0 || process.argv[1] || 'containerd-shim-runc-v2';
}

function fail(err: unknown): never {
  process.stderr.write(`${RUNTIME_NAME}: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  let flags;
  try {
    flags = parseFlags(argv);
  } catch (err) {
    if (err instanceof FlagError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  if (flags.version) {
    process.stdout.write(versionText(invokedAs()));
    return;
  }
  if (flags.info) {
    const { infoAction } = await import('./actions/info.ts');
    process.stdout.write(await infoAction(readStdin('-info')));
    return;
  }
  switch (flags.action) {
    case 'start': {
      const { startAction, startNextSpare } = await import('./actions/start.ts');
      const { answer, newSandbox } = await startAction(flags, process.argv[1]!);
      process.stdout.write(answer, () => {
        // the spare this sandbox took (or would have taken) is replaced once containerd has its answer
        if (newSandbox) startNextSpare(flags, process.argv[1]!);
        process.exit(0);
      });
      return;
    }
    case 'delete': {
      const { deleteAction } = await import('./actions/delete.ts');
      const out = await deleteAction(flags, (msg) => process.stderr.write(`${msg}\n`));
      process.stdout.write(out);
      return;
    }
    case 'spare': {
      if (!flags.address) throw new Error('a spare needs -address');
      // a daemon a start client booted for its start alone is no spare: it keeps the command line it was given
      if (process.env.TSSHIM_SPARE_LISTEN_FD === undefined)
        process.title = `${invokedAs()} spare -address ${flags.address}`;
      const { runDaemon, spare } = await import('./daemon.ts');
      const lockFd = spare.inheritedFd(process.env, 'TSSHIM_SPARE_LOCK_FD');
      const ownListenerFd = spare.inheritedFd(process.env, 'TSSHIM_SPARE_LISTEN_FD');
      const { handover, listenerFd, via } = await spare.waitForSandbox({
        lockFd,
        ownListenerFd,
        name: spare.spareName(flags.address, spare.buildIdentity(process.argv[1]!)),
        containerdAddress: flags.address,
        idleSeconds: spare.spareIdleSeconds(process.env),
        serveStart: (request, stdinFd) => spare.serveStart(request, stdinFd, flags.address, process.argv[1]!),
      });
      spare.takeEnvironment(handover.env);
      process.title = handover.title;
      await runDaemon(
        { ...flags, ...handover.flags, action: '' },
        {
          bundle: handover.bundle,
          listenerFd,
          adoptedVia: via,
        },
      );
      return;
    }
    default: {
      if (!flags.namespace) throw new Error('shim namespace cannot be empty');
      // `ps` then shows the shim as containerd ran it, not as node running a bundle
      process.title = [invokedAs(), ...process.argv.slice(2)].join(' ');
      const { runDaemon } = await import('./daemon.ts');
      await runDaemon(flags);
    }
  }
}

main().catch(fail);
