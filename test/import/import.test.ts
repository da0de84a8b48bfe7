// The importer on real reports (test/fixtures/reports/, each with its Source: line): every
// one becomes a skeleton that parses and binds with no errors and names the report's tasks,
// lock classes and objects; every lockdep cycle checks to lock_order through the CLI as
// written; seed 004's splat gives seed 004's actors and locks.

import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadScenario } from '../../core';
import { importReport, type ImportSuccess } from '../../core/import';
import { lockdepName } from '../../core/model/machine';
import { lockstep, repoRoot, tempFiles } from '../helpers/cli';

const DIR = join(repoRoot, 'test', 'fixtures', 'reports');
const files = readdirSync(DIR).filter((f) => f.endsWith('.txt')).sort();

function imported(file: string): ImportSuccess {
  const r = importReport(readFileSync(join(DIR, file), 'utf8'), { source: file });
  if (!r.ok) assert.fail(`${file}: ${r.error}`);
  return r;
}

/** What each report must become: its kind, actors (kind and name), lock classes, objects, expect. */
const EXPECTED: Record<string, { kind: string; actors: string[]; classes?: string[]; objects?: string[]; expect: string[] }> = {
  '01-lockdep-circular-mm-iommu.txt': { kind: 'lockdep-circular', actors: ['thread ioctl', 'thread qemu_system_ppc'], classes: ['&mm->mmap_sem', 'mem_list_mutex'], expect: ['lock_order', 'deadlock'] },
  '02-lockdep-circular-team-kworker.txt': { kind: 'lockdep-circular', actors: ['thread sendmsg', 'work cleanup_net'], classes: ['&team->team_lock_key', 'dev_instance_lock_key', 'pernet_ops_rwsem', 'rtnl_mutex'], expect: ['lock_order', 'deadlock'] },
  '03-lockdep-recursive-xen-quoted.txt': { kind: 'lockdep-recursive', actors: ['thread xen_shinfo_test'], classes: ['&kvm->arch.xen.xen_lock'], expect: ['deadlock'] },
  '04-lockdep-inconsistent-sync-timeline.txt': { kind: 'lockdep-inconsistent', actors: ['thread syz_executor333', 'irq irq_dma_fence_array_work'], classes: ['sync_timeline_list_lock'], expect: ['irq_lock_inversion', 'deadlock'] },
  '05-lockdep-irq-inversion-kvm-pvclock.txt': { kind: 'lockdep-irq-inversion', actors: ['thread syz_executor859', 'thread ioctl', 'irq timer_interrupt'], classes: ['&kvm->arch.pvclock_gtod_sync_lock', '&rq->lock', '&vcpu->mutex'], expect: ['deadlock'] },
  '06-rcu-suspicious-dev-queue-xmit.txt': { kind: 'rcu-suspicious', actors: ['work batadv_iv_send_outstanding_bat_ogm_packet', 'thread updater'], objects: ['rcu_protected'], expect: ['use_after_free'] },
  '07-kasan-uaf-xen-hypercall-dmesg.txt': { kind: 'kasan', actors: ['vcpu xen_shinfo_test', 'thread freer'], objects: ['freed_object'], expect: ['use_after_free'] },
  '08-kasan-slab-uaf-spapr-tce-ppc.txt': { kind: 'kasan', actors: ['thread kvm_vfio', 'irq rcu_core'], objects: ['kmalloc_256_object'], expect: ['use_after_free'] },
  '09-kasan-double-free-io-uring.txt': { kind: 'kasan', actors: ['thread syz_executor374'], objects: ['kmalloc_512_object'], expect: ['double_free'] },
  '10-kasan-invalid-free-gid-table.txt': { kind: 'kasan', actors: ['thread task_6021', 'work kobject_put'], objects: ['kmalloc_256_object'], expect: ['double_free'] },
  '11-kcsan-kvm-vcpu-on-spin.txt': { kind: 'kcsan', actors: ['vcpu task_4340', 'vcpu task_4342'], objects: ['racy_word'], expect: ['data_race'] },
  '12-sleep-in-atomic-pds-vfio-dmesg.txt': { kind: 'sleep-in-atomic', actors: ['thread bash'], expect: ['sleep_in_atomic'] },
  '13-hung-task-cfg80211-quoted.txt': { kind: 'hung-task', actors: ['work cfg80211_event_work', 'thread kworker_0_6'], classes: ['&rdev->wiphy.mtx', 'rtnl_mutex'], expect: ['deadlock'] },
  '14-list-add-corruption-nfc-arm64.txt': { kind: 'list-corruption', actors: ['thread syz_executor304', 'thread other_deleter'], objects: ['list_item'], expect: ['list_corruption', 'leak'] },
  '15-list-del-corruption-bluetooth.txt': { kind: 'list-corruption', actors: ['thread syz_0_694', 'thread other_deleter'], objects: ['list_item'], expect: ['list_corruption'] },
  '16-refcount-addition-on-0-ax25.txt': { kind: 'refcount', actors: ['thread syz_executor223', 'thread last_put'], objects: ['refcounted'], expect: ['use_after_free'] },
};

describe('lockstep import: the real reports', () => {
  it('has at least 15 reports, each with its source, covering every kind', () => {
    assert.ok(files.length >= 15, `${files.length} reports`);
    for (const f of files) assert.match(readFileSync(join(DIR, f), 'utf8').split('\n')[0]!, /^Source: \S/, f);
    const kinds = new Set(files.map((f) => imported(f).kind));
    for (const k of ['lockdep-circular', 'lockdep-recursive', 'lockdep-inconsistent', 'lockdep-irq-inversion', 'rcu-suspicious', 'kasan', 'kcsan', 'sleep-in-atomic', 'hung-task', 'list-corruption', 'refcount']) {
      assert.ok(kinds.has(k as never), `no report of kind ${k}`);
    }
    const kasan = new Set(files.map((f) => imported(f)).filter((r) => r.kind === 'kasan').map((r) => r.report.detail));
    for (const d of ['use-after-free', 'slab-use-after-free', 'double-free', 'invalid-free']) assert.ok(kasan.has(d), `no KASAN ${d}`);
  });

  for (const file of files) {
    it(`${file}: a skeleton that binds with no errors and names what the report names`, () => {
      const r = imported(file);
      const loaded = loadScenario(file, r.scenario);
      const errors = loaded.diagnostics.filter((d) => d.severity === 'error');
      assert.deepEqual(errors.map((d) => d.message), [], r.scenario);
      assert.ok(loaded.compiled);
      const want = EXPECTED[file];
      assert.ok(want, `no expectation written for ${file}`);
      assert.equal(r.kind, want.kind);
      const actors = loaded.compiled.actors.map((a) => `${a.actorKind} ${a.name}`);
      for (const a of want.actors) assert.ok(actors.includes(a), `${a} not among ${actors.join(', ')}`);
      const classes = loaded.compiled.lockClasses.map((c) => lockdepName(c));
      for (const c of want.classes ?? []) assert.ok(classes.includes(c), `class ${c} not among ${classes.join(', ')}`);
      for (const o of want.objects ?? []) assert.ok(r.objects.includes(o) && r.scenario.includes(o), `object ${o}`);
      assert.deepEqual([...r.expect].sort(), [...want.expect].sort());
      // The header keeps the title, the kernel version (when printed) and each frame's source line.
      assert.ok(r.scenario.includes(`// ${r.title}`));
      if (r.report.kernel) assert.ok(r.scenario.includes(`kernel ${r.report.kernel}`));
      for (const f of [...r.report.stacks, ...r.report.chain.map((l) => l.stack)].flatMap((s) => s.frames)) {
        if (f.source) assert.ok(r.scenario.includes(f.source), `${f.fn}: ${f.source} not in the header`);
      }
      assert.ok(/\/\/ TODO: /.test(r.scenario), 'a skeleton says what is left to the user');
    });
  }

  it('every lockdep cycle report checks, as written, to lock_order on its classes (through the CLI)', () => {
    const cycles = files.filter((f) => imported(f).kind === 'lockdep-circular');
    assert.ok(cycles.length >= 2);
    for (const f of cycles) {
      const dir = tempFiles({});
      const out = join(dir, 'skeleton.lockstep');
      const imp = lockstep(['import', join(DIR, f), '-o', out]);
      assert.equal(imp.code, 0, imp.stderr);
      const r = lockstep(['check', '--json', '-q', out]);
      assert.equal(r.code, 1, r.stderr);
      const json = JSON.parse(r.stdout) as { violations: { kind: string; message: string }[] };
      const order = json.violations.find((v) => v.kind === 'lock_order');
      assert.ok(order, `${f}: no lock_order in ${json.violations.map((v) => v.kind).join(', ')}`);
      const rep = imported(f);
      const cycleClasses = [rep.report.wanted!.name, rep.report.held!.name].map((n) => n.replace(/#\d+$/, '').replace(/^&/, ''));
      for (const c of cycleClasses) assert.ok(order.message.includes(c), `${f}: ${c} not in "${order.message}"`);
      assert.ok(json.violations.some((v) => v.kind === 'deadlock'), `${f}: the actors block each other`);
    }
  });

  it('lockstep test: every skeleton but the hung task (whose holders wait on what the report does not show) meets its expect as written', () => {
    const skeletons: Record<string, string> = {};
    for (const f of files) if (imported(f).kind !== 'hung-task') skeletons[f.replace(/\.txt$/, '.lockstep')] = imported(f).scenario;
    const dir = tempFiles(skeletons);
    const r = lockstep(['test', dir]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, new RegExp(`${Object.keys(skeletons).length} passed, 0 failed`));
  });

  it("seed 004's splat gives seed 004's actors and locks", () => {
    // The splat of seed 004's commit message, kept among the fixtures so a clone tests alone.
    const splat = readFileSync(join(repoRoot, 'test', 'fixtures', 'reports', '01-lockdep-circular-mm-iommu.txt'), 'utf8');
    const r = importReport(splat);
    assert.ok(r.ok);
    const mine = loadScenario('import.lockstep', r.scenario).compiled!;
    const seedPath = join(repoRoot, 'examples', 'seeds', '004-mm-iommu-deadlock.buggy.lockstep');
    const seed = loadScenario(seedPath, readFileSync(seedPath, 'utf8')).compiled!;
    const names = (s: typeof seed): string[] => s.lockClasses.map((c) => lockdepName(c)).sort();
    assert.deepEqual(names(mine), names(seed));
    assert.equal(mine.actors.length, seed.actors.length);
    // The seed's ioctl takes mem_list_mutex then mmap_sem; its mmap holds mmap_sem and takes mem_list_mutex.
    assert.ok(mine.actors.some((a) => a.name === 'ioctl'));
    const mmapActor = mine.actors.find((a) => a.description.includes('mmap'));
    assert.ok(mmapActor, 'an actor on the mmap path');
    assert.deepEqual([...r.expect].sort(), ['deadlock', 'lock_order']);
    assert.ok(/expect lock_order, deadlock;/.test(readFileSync(seedPath, 'utf8')));
  });
});

describe('lockstep import: the command line', () => {
  it('reads stdin with -, writes -o, and says what it wrote', () => {
    const report = readFileSync(join(DIR, '01-lockdep-circular-mm-iommu.txt'), 'utf8');
    const r = lockstep(['import', '-'], { input: report });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^scenario "possible circular locking dependency detected/m);
  });

  it('takes the Nth of several reports with --index', () => {
    const two = `${readFileSync(join(DIR, '03-lockdep-recursive-xen-quoted.txt'), 'utf8')}\n${readFileSync(join(DIR, '11-kcsan-kvm-vcpu-on-spin.txt'), 'utf8')}`;
    const first = lockstep(['import', '-'], { input: two });
    assert.match(first.stdout, /possible recursive locking detected/);
    const second = lockstep(['import', '-', '--index', '2'], { input: two });
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stdout, /^config KCSAN;/m);
    const third = lockstep(['import', '-', '--index', '3'], { input: two });
    assert.equal(third.code, 2);
    assert.match(third.stderr, /there are 2 reports in the text; --index 3 is not one of them/);
  });

  it('a text that is not a report is a clear error naming what it looked for (exit 2)', () => {
    const r = lockstep(['import', '-'], { input: 'hello\nthis is a README\n' });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^stdin: error: no kernel report found: looked for/);
    assert.match(r.stderr, /possible circular locking dependency detected/);
    assert.match(r.stderr, /BUG: KASAN/);
    const missing = lockstep(['import', 'no-such-report.txt']);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /no-such-report\.txt: error: cannot read the report \(ENOENT\)/);
    const usage = lockstep(['import', '-', '--index', 'x']);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /--index must be a positive integer/);
  });
});
