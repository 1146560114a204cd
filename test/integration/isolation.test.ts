/**
 * What a container can and cannot see or do, checked from inside real containers (runc + conmon).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { startDaemon, type TestDaemon } from '../helpers/daemon.js';

let d: TestDaemon;

before(async () => {
  d = await startDaemon();
});

after(async () => {
  assert.deepEqual(await d.cleanup(), []);
});

async function sh(script: string, ...flags: string[]) {
  return d.docker(['run', '--rm', ...flags, 'busybox', 'sh', '-c', script]);
}

test('the container is PID 1 of its own PID namespace and sees no host process', async () => {
  const r = await sh('echo $$; ls /proc | grep -cE "^[0-9]+$"');
  assert.equal(r.code, 0, r.stderr);
  const [pid, count] = r.stdout.trim().split('\n');
  assert.equal(pid, '1');
  const hostProcs = readdirSync('/proc').filter((p) => /^\d+$/.test(p)).length;
  assert.ok(Number(count) <= 3, `container sees ${count} processes`);
  assert.ok(hostProcs > 10, 'sanity: the host has more processes than the container');
});

test('the container has its own hostname: the short id by default, -h when given', async () => {
  const created = await d.docker(['create', 'busybox', 'hostname']);
  assert.equal(created.code, 0, created.stderr);
  const id = created.stdout.trim();
  const started = await d.docker(['start', '-a', id]);
  assert.equal(started.stdout.trim(), id.slice(0, 12));
  await d.docker(['rm', id]);
  const named = await sh('hostname; cat /etc/hostname', '-h', 'berth-box');
  assert.deepEqual(named.stdout.trim().split('\n'), ['berth-box', 'berth-box']);
});

test('mounting is not allowed, capabilities are Docker\'s 14, seccomp is on', async () => {
  const mount = await sh('mkdir -p /mnt/x && mount -t tmpfs none /mnt/x');
  assert.notEqual(mount.code, 0, 'mount succeeded in an unprivileged container');
  const st = await sh('grep -E "^(CapEff|Seccomp|NoNewPrivs):" /proc/self/status');
  assert.match(st.stdout, /CapEff:\s+00000000a80425fb/);
  assert.match(st.stdout, /Seccomp:\s+2/);
});

test('--privileged gets the host\'s capabilities, no seccomp, and may mount', async () => {
  const r = await sh('grep -E "^(CapEff|Seccomp):" /proc/self/status; mkdir -p /mnt/x && mount -t tmpfs none /mnt/x && echo mounted', '--privileged');
  assert.equal(r.code, 0, r.stderr);
  const hostCaps = /CapBnd:\s+([0-9a-f]+)/.exec(readFileSync('/proc/self/status', 'utf8'))![1];
  assert.match(r.stdout, new RegExp(`CapEff:\\s+${hostCaps}`));
  assert.match(r.stdout, /Seccomp:\s+0/);
  assert.match(r.stdout, /mounted/);
});

test('--cap-drop ALL and --cap-add adjust the set', async () => {
  const none = await sh('grep CapEff /proc/self/status', '--cap-drop', 'ALL');
  assert.match(none.stdout, /CapEff:\s+0000000000000000/);
  const admin = await sh('mkdir -p /mnt/x && mount -t tmpfs none /mnt/x && echo mounted', '--cap-add', 'SYS_ADMIN');
  assert.equal(admin.code, 0, admin.stderr);
  assert.match(admin.stdout, /mounted/);
  const bad = await d.docker(['run', '--rm', '--cap-add', 'NOT_A_CAP', 'busybox', 'true']);
  assert.equal(bad.code, 125);
  assert.match(bad.stderr, /unknown capability: "CAP_NOT_A_CAP"/);
});

test('masked and read-only kernel paths', async () => {
  const r = await sh('cat /proc/kcore | wc -c; ls /sys/firmware | wc -l; echo 1 > /proc/sys/kernel/sysrq && echo wrote-proc-sys; touch /sys/x 2>/dev/null && echo wrote-sys; echo end');
  assert.deepEqual(r.stdout.trim().split('\n'), ['0', '0', 'end']);
});

test('a write in one container is invisible in another of the same image', async () => {
  const a = await d.docker(['run', '-d', '--name', 'writer', 'busybox', 'sh', '-c', 'echo secret > /etc/berth-secret; rm /bin/vi; sleep 60']);
  assert.equal(a.code, 0, a.stderr);
  const b = await sh('cat /etc/berth-secret 2>&1; ls /bin/vi');
  assert.match(b.stdout, /No such file/);
  assert.match(b.stdout, /\/bin\/vi/);
  await d.docker(['rm', '-f', 'writer']);
});

test('a memory limit OOM-kills: exit 137 and OOMKilled true', async () => {
  const r = await d.docker(['run', '--name', 'hog', '-m', '16m', 'busybox', 'sh', '-c', 'tail /dev/zero'], { timeoutMs: 60_000 });
  assert.equal(r.code, 137, r.stderr);
  const st = await d.docker(['inspect', '-f', '{{.State.OOMKilled}} {{.State.ExitCode}} {{.HostConfig.Memory}}', 'hog']);
  assert.equal(st.stdout.trim(), 'true 137 16777216');
  await d.docker(['rm', 'hog']);
  const small = await d.docker(['run', '--rm', '-m', '1m', 'busybox', 'true']);
  assert.equal(small.code, 125);
  assert.match(small.stderr, /Minimum memory limit allowed is 6MB/);
});

test('cpu, pids and shares limits land in the container\'s cgroups', async () => {
  const r = await sh(
    'cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us /sys/fs/cgroup/cpu/cpu.cfs_period_us /sys/fs/cgroup/pids/pids.max /sys/fs/cgroup/cpu/cpu.shares',
    '--cpus', '0.5', '--pids-limit', '42', '--cpu-shares', '256',
  );
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(r.stdout.trim().split('\n'), ['50000', '100000', '42', '256']);
  const fork = await sh('for i in $(seq 20); do sleep 5 & done; wait', '--pids-limit', '8');
  assert.match(fork.stderr, /can't fork|Resource temporarily unavailable/);
});

test('--read-only root file system', async () => {
  const r = await sh('touch /x', '--read-only');
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /Read-only file system/);
});

test('user, environment and working directory', async () => {
  const nobody = await sh('id', '-u', 'nobody');
  assert.equal(nobody.stdout.trim(), 'uid=65534(nobody) gid=65534(nogroup) groups=65534(nogroup)');
  const numeric = await sh('id -u; id -g; grep CapEff /proc/self/status', '-u', '1234:5678');
  assert.deepEqual(numeric.stdout.trim().split('\n').slice(0, 2), ['1234', '5678']);
  assert.match(numeric.stdout, /CapEff:\s+0000000000000000/);
  const unknown = await d.docker(['run', '--rm', '-u', 'nosuchuser', 'busybox', 'true']);
  assert.notEqual(unknown.code, 0);
  assert.match(unknown.stderr, /unable to find user nosuchuser/);
  const env = await sh('echo "$A|$B|$PWD|$HOME|$HOSTNAME"', '-e', 'A=1', '-e', 'B=two words', '-w', '/work/dir', '-h', 'hh');
  assert.equal(env.stdout.trim(), '1|two words|/work/dir|/root|hh');
  const entry = await d.docker(['run', '--rm', '--entrypoint', 'echo', 'busybox', 'via', 'entrypoint']);
  assert.equal(entry.stdout, 'via entrypoint\n');
});

test('network none has only loopback; network host sees the host interfaces', async () => {
  const none = await sh('cat /proc/net/dev | tail -n +3 | cut -d: -f1 | tr -d " "');
  assert.deepEqual(none.stdout.trim().split('\n'), ['lo']);
  const host = await sh('cat /proc/net/dev | tail -n +3 | wc -l', '--network', 'host');
  const hostIfaces = readFileSync('/proc/net/dev', 'utf8').trim().split('\n').length - 2;
  assert.equal(Number(host.stdout.trim()), hostIfaces);
});

test('rlimits are clamped to what the daemon may grant', async () => {
  const r = await sh('ulimit -n');
  const hard = Number(/Max open files\s+\d+\s+(\d+)/.exec(readFileSync('/proc/self/limits', 'utf8'))![1]);
  assert.equal(Number(r.stdout.trim()), Math.min(hard, 1048576));
});
