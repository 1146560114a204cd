/**
 * Seccomp is enforced, not just installed: a daemon given a profile without mkdir makes mkdir fail
 * in its containers, with runc, with crun compiling the filter, and with crun's cached program.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startDaemon, type TestDaemon } from '../helpers/daemon.js';

const systemProfile = '/usr/share/containers/seccomp.json';
let d: TestDaemon | undefined;
const path = `/tmp/berth-seccomp-${process.pid}.json`;

before(async () => {
  if (!existsSync(systemProfile)) return;
  const profile = JSON.parse(readFileSync(systemProfile, 'utf8')) as { syscalls: Array<{ names?: string[] }> };
  for (const rule of profile.syscalls) if (rule.names) rule.names = rule.names.filter((n) => n !== 'mkdir' && n !== 'mkdirat');
  writeFileSync(path, JSON.stringify(profile));
  d = await startDaemon({ extraArgs: ['--seccomp-profile', path] });
});

after(async () => {
  rmSync(path, { force: true });
  if (d) assert.deepEqual(await d.cleanup(), []);
});

for (const runtime of ['runc', 'crun']) {
  test(`${runtime}: a syscall the profile leaves out is refused; seccomp=unconfined lifts it`, { skip: !existsSync(systemProfile) && 'no seccomp profile installed' }, async () => {
    // crun twice: the first start compiles the filter, the second uses the cached program.
    for (let i = 0; i < (runtime === 'crun' ? 2 : 1); i++) {
      const r = await d!.docker(['run', '--rm', '--runtime', runtime, 'busybox', 'sh', '-c', 'grep Seccomp: /proc/self/status; mkdir /made-it']);
      assert.notEqual(r.code, 0, `${runtime} run ${i}: mkdir was allowed`);
      assert.match(r.stdout, /Seccomp:\s+2/);
      assert.match(r.stderr, /Function not implemented/);
    }
    const free = await d!.docker(['run', '--rm', '--runtime', runtime, '--security-opt', 'seccomp=unconfined', 'busybox', 'sh', '-c', 'mkdir /made-it && echo made']);
    assert.equal(free.stdout, 'made\n', free.stderr);
  });
}

test('crun keeps the compiled filter and starts later containers with it', { skip: !existsSync(systemProfile) && 'no seccomp profile installed' }, () => {
  const cache = join(d!.execRoot, 'seccomp-bpf');
  assert.ok(existsSync(cache) && readdirSync(cache).some((f) => f.endsWith('.bpf')), 'no cached seccomp program');
  assert.match(readFileSync(d!.logFile, 'utf8'), /"runtime":"crun","precompiledSeccomp":true/);
});
