// The CPU quota of the process's control groups, which caps the default number of workers:
// each case lays out the files Linux shows (/proc/self/cgroup, /proc/self/mountinfo, the
// groups' quota files) under a directory standing for `/`, as a container, a systemd host
// or a cgroup v1 Docker host shows them.

import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, test } from 'node:test';
import { cgroupCpuLimit } from '../../core/explore/cpu-limit';
import { defaultWorkers } from '../../core/explore';

const made: string[] = [];
after(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

/** A file system root holding `files` (path → content). */
function tree(files: Record<string, string | Buffer>): string {
  const root = mkdtempSync(path.join(os.tmpdir(), 'lockstep-cgroup-'));
  made.push(root);
  for (const [file, content] of Object.entries(files)) {
    const at = path.join(root, file);
    mkdirSync(path.dirname(at), { recursive: true });
    writeFileSync(at, content);
  }
  return root;
}

const V2_MOUNT = '30 24 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot\n';

describe('the CPU quota of the control groups', () => {
  test('cgroup v2 in a container (docker run --cpus=2): the group is the mount root', () => {
    const root = tree({
      'proc/self/cgroup': '0::/\n',
      'proc/self/mountinfo': `26 1 0:24 / / rw,relatime - overlay overlay rw\n${V2_MOUNT}`,
      'sys/fs/cgroup/cpu.max': '200000 100000\n',
    });
    assert.equal(cgroupCpuLimit(root), 2);
  });

  test('cgroup v2 on a host: the smallest quota of the group and the groups above it', () => {
    const files = {
      'proc/self/cgroup': '0::/user.slice/user-1000.slice/session-3.scope\n',
      'proc/self/mountinfo': V2_MOUNT,
      'sys/fs/cgroup/user.slice/cpu.max': '400000 100000\n',
      'sys/fs/cgroup/user.slice/user-1000.slice/cpu.max': 'max 100000\n',
      'sys/fs/cgroup/user.slice/user-1000.slice/session-3.scope/cpu.max': '250000 100000\n',
    };
    assert.equal(cgroupCpuLimit(tree(files)), 2, 'the group itself allows 2.5 CPUs: 2 whole ones');
    assert.equal(cgroupCpuLimit(tree({ ...files, 'sys/fs/cgroup/user.slice/cpu.max': '100000 100000\n' })), 1, 'a parent allows one');
  });

  test('no quota anywhere, or less than one CPU', () => {
    assert.equal(cgroupCpuLimit(tree({
      'proc/self/cgroup': '0::/a\n',
      'proc/self/mountinfo': V2_MOUNT,
      'sys/fs/cgroup/a/cpu.max': 'max 100000\n',
    })), undefined);
    assert.equal(cgroupCpuLimit(tree({
      'proc/self/cgroup': '0::/a\n',
      'proc/self/mountinfo': V2_MOUNT,
      'sys/fs/cgroup/a/cpu.max': '50000 100000\n',
    })), 1, 'half a CPU still runs one worker');
  });

  test('cgroup v1 (Docker on an older host): the cpu hierarchy, mounted at the container\'s group', () => {
    const root = tree({
      'proc/self/cgroup': '12:memory:/docker/0123abcd\n4:cpu,cpuacct:/docker/0123abcd\n3:cpuset:/docker/0123abcd\n',
      'proc/self/mountinfo': [
        '40 31 0:35 /docker/0123abcd /sys/fs/cgroup/cpuset ro,nosuid,nodev,noexec,relatime master:15 - cgroup cgroup rw,cpuset',
        '41 31 0:36 /docker/0123abcd /sys/fs/cgroup/cpu,cpuacct ro,nosuid,nodev,noexec,relatime master:16 - cgroup cgroup rw,cpu,cpuacct',
        '',
      ].join('\n'),
      'sys/fs/cgroup/cpu,cpuacct/cpu.cfs_quota_us': '300000\n',
      'sys/fs/cgroup/cpu,cpuacct/cpu.cfs_period_us': '100000\n',
      // cpuset is another controller: its files are never read as the quota.
      'sys/fs/cgroup/cpuset/cpu.cfs_quota_us': '100000\n',
      'sys/fs/cgroup/cpuset/cpu.cfs_period_us': '100000\n',
    });
    assert.equal(cgroupCpuLimit(root), 3);
  });

  test('cgroup v1 with no quota (-1), beside an empty unified hierarchy (this machine\'s layout)', () => {
    const root = tree({
      'proc/self/cgroup': '4:memory:/process_api/024d\n1:cpu:/\n0::/\n',
      'proc/self/mountinfo': [
        '32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu',
        '33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct',
        '41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw',
        '',
      ].join('\n'),
      'sys/fs/cgroup/cpu/cpu.cfs_quota_us': '-1\n',
      'sys/fs/cgroup/cpu/cpu.cfs_period_us': '100000\n',
    });
    assert.equal(cgroupCpuLimit(root), undefined);
  });

  test('a mount point with a space, written as mountinfo escapes it', () => {
    const root = tree({
      'proc/self/cgroup': '0::/job\n',
      'proc/self/mountinfo': '30 24 0:26 / /cg\\040root rw - cgroup2 cgroup2 rw\n',
      'cg root/job/cpu.max': '300000 100000\n',
    });
    assert.equal(cgroupCpuLimit(root), 3);
  });

  test('what cannot be read or makes no sense limits nothing, and never throws', () => {
    const junk = Buffer.from([0, 255, 254, 10, 0x3a, 0x3a, 0x2f, 7, 0]);
    const cases: Record<string, string | Buffer>[] = [
      {},
      { 'proc/self/cgroup': '0::/\n' },
      { 'proc/self/cgroup': junk, 'proc/self/mountinfo': junk },
      { 'proc/self/cgroup': '0::/\n', 'proc/self/mountinfo': V2_MOUNT, 'sys/fs/cgroup/cpu.max': junk },
      { 'proc/self/cgroup': '0::/\n', 'proc/self/mountinfo': V2_MOUNT, 'sys/fs/cgroup/cpu.max': '0 100000\n' },
      { 'proc/self/cgroup': '0::/\n', 'proc/self/mountinfo': V2_MOUNT, 'sys/fs/cgroup/cpu.max': '200000 0\n' },
      { 'proc/self/cgroup': '0::/\n', 'proc/self/mountinfo': V2_MOUNT, 'sys/fs/cgroup/cpu.max': '-5 100000\n' },
      // A group outside what is mounted here (another namespace's path): not looked at.
      {
        'proc/self/cgroup': '0::/elsewhere\n',
        'proc/self/mountinfo': '30 24 0:26 /kubepods/pod1 /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n',
        'sys/fs/cgroup/cpu.max': '100000 100000\n',
      },
    ];
    for (const files of cases) assert.equal(cgroupCpuLimit(tree(files)), undefined, JSON.stringify(Object.keys(files)));
  });

  test('the default number of workers is every core, capped by the quota', () => {
    const cores = os.availableParallelism();
    assert.equal(defaultWorkers(), Math.max(1, Math.min(cores, cgroupCpuLimit() ?? cores)));
  });
});
