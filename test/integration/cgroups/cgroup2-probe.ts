// Run by cgroup2-namespace.test.ts inside a private mount namespace where a cgroup2 hierarchy is mounted over
// /sys/fs/cgroup: exercises the module's default paths on a real unified mount and prints what it saw as JSON.
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmdirSync } from 'node:fs';
import { decode } from '../../../src/api/codec.ts';
import { isUnified, loadCgroupOfPid, moveProcessToCgroup, V2Cgroup } from '../../../src/cgroups/index.ts';

const name = process.argv[2]!;
const dir = `/sys/fs/cgroup/${name}`;
mkdirSync(dir);
const child = spawn('sleep', ['60'], { stdio: 'ignore' });
const logged: string[] = [];
try {
  moveProcessToCgroup(child.pid!, `/${name}`);
  const procLine = readFileSync(`/proc/${child.pid}/cgroup`, 'utf8').trim();
  const cg = loadCgroupOfPid(child.pid!, { log: (msg) => logged.push(msg) });
  const any = await cg.stats();
  const stop = cg.watchOOM(() => logged.push('oom'));
  stop();
  const problems = cg instanceof V2Cgroup ? cg.enableAncestorControllers() : ['not a V2Cgroup'];
  process.stdout.write(
    JSON.stringify({
      unified: isUnified(),
      procLine,
      version: cg.version,
      typeUrl: any.type_url,
      metrics: decode(any.type_url, any.value),
      logged,
      problems,
    }),
  );
} finally {
  child.kill('SIGKILL');
  await new Promise((resolve) => child.once('exit', resolve));
  rmdirSync(dir);
}
