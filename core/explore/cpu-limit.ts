// How many CPUs' worth of time this process may use, from its control group's CPU quota
// (Linux). `os.availableParallelism()` counts the CPUs the process may run on, not the time
// it may use on them: in a container started with `--cpus=2`, or a Kubernetes pod whose
// limit is two CPUs, on a 64-core node, it says 64, and a search on 64 workers would then
// share two CPUs' time, each thread throttled in turn. libuv counts the quota from its 1.49;
// the Node this project runs on has an older one, so the quota is read here, as Rust's
// `std::thread::available_parallelism` and Go's GOMAXPROCS default read it: the smallest
// whole number of CPUs that the process's group and each group above it allow.
//
// cgroup v2: /proc/self/cgroup holds `0::/path`, the group's `cpu.max` holds
// `quota period` in microseconds, or `max period` (no limit). cgroup v1: the line whose
// controllers include `cpu` names the group in the hierarchy mounted with the `cpu`
// controller, and `cpu.cfs_quota_us` (-1: no limit) over `cpu.cfs_period_us` is its quota.
// The mount point and the root it shows come from /proc/self/mountinfo: in a container the
// hierarchy is usually mounted at the container's own group, so the group's path is taken
// relative to that root.

import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * The CPUs the quota of this process's control groups allows (at least 1), or undefined
 * when no group limits it or the limit cannot be read (not Linux, no cgroup file system, an
 * unexpected format: nothing is guessed). `root`: where the file system starts (tests).
 */
export function cgroupCpuLimit(root = '/'): number | undefined {
  const groups = readText(root, '/proc/self/cgroup');
  const mounts = readText(root, '/proc/self/mountinfo');
  if (groups === undefined || mounts === undefined) return undefined;
  const mountList = parseMountinfo(mounts);
  let limit: number | undefined;
  for (const line of groups.split('\n')) {
    const m = /^(\d+):([^:]*):(.*)$/.exec(line);
    if (!m) continue;
    const [, id, controllers, group] = m as unknown as [string, string, string, string];
    if (id === '0' && controllers === '') {
      const mount = mountList.find((x) => x.fstype === 'cgroup2');
      if (mount) limit = min(limit, walk(root, mount, group, readCpuMax));
    } else if (controllers.split(',').includes('cpu')) {
      const mount = mountList.find((x) => x.fstype === 'cgroup' && x.superOptions.includes('cpu'));
      if (mount) limit = min(limit, walk(root, mount, group, readCfsQuota));
    }
  }
  return limit;
}

interface Mount {
  /** The path inside the hierarchy that is mounted. */
  readonly root: string;
  readonly mountPoint: string;
  readonly fstype: string;
  readonly superOptions: readonly string[];
}

/** The lines of /proc/self/mountinfo: `id parent dev root mountpoint options [optional…] - fstype source superoptions`. */
function parseMountinfo(text: string): Mount[] {
  const out: Mount[] = [];
  for (const line of text.split('\n')) {
    const fields = line.split(' ');
    const dash = fields.indexOf('-');
    if (dash < 6 || fields.length < dash + 4) continue;
    out.push({
      root: unescape(fields[3]!),
      mountPoint: unescape(fields[4]!),
      fstype: fields[dash + 1]!,
      superOptions: fields[dash + 3]!.split(','),
    });
  }
  return out;
}

/** mountinfo writes a space, a tab, a newline and a backslash in a path as octal escapes. */
function unescape(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
}

/**
 * The smallest limit `read` finds in the group's directory and each one above it, up to the
 * mount point. A group outside what is mounted (another namespace's) is not looked at.
 */
function walk(root: string, mount: Mount, group: string, read: (dir: string) => number | undefined): number | undefined {
  const base = mount.root === '/' ? '' : mount.root;
  if (group !== base && !group.startsWith(`${base}/`)) return undefined;
  const rel = group.slice(base.length).split('/').filter((x) => x !== '' && x !== '.' && x !== '..');
  let limit: number | undefined;
  for (let depth = rel.length; depth >= 0; depth--) {
    const dir = path.join(root, mount.mountPoint, ...rel.slice(0, depth));
    limit = min(limit, read(dir));
  }
  return limit;
}

/** cgroup v2: `cpu.max`. */
function readCpuMax(dir: string): number | undefined {
  const text = readText(dir, 'cpu.max');
  const m = text !== undefined ? /^(max|\d+)\s+(\d+)\s*$/.exec(text) : null;
  if (!m || m[1] === 'max') return undefined;
  return cpus(Number(m[1]), Number(m[2]));
}

/** cgroup v1: `cpu.cfs_quota_us` over `cpu.cfs_period_us`. */
function readCfsQuota(dir: string): number | undefined {
  const quota = readText(dir, 'cpu.cfs_quota_us');
  const period = readText(dir, 'cpu.cfs_period_us');
  if (quota === undefined || period === undefined || !/^-?\d+\s*$/.test(quota) || !/^\d+\s*$/.test(period)) return undefined;
  return cpus(Number(quota), Number(period));
}

/** Whole CPUs in a quota of `quota` µs per `period` µs (a fraction rounds down, but not below 1). */
function cpus(quota: number, period: number): number | undefined {
  if (!(quota > 0) || !(period > 0)) return undefined;
  return Math.max(1, Math.floor(quota / period));
}

function min(a: number | undefined, b: number | undefined): number | undefined {
  return a === undefined ? b : b === undefined ? a : Math.min(a, b);
}

/** A small text file, or undefined when it cannot be read. */
function readText(dir: string, file: string): string | undefined {
  try {
    return fs.readFileSync(path.join(dir, file), 'utf8');
  } catch {
    return undefined;
  }
}
