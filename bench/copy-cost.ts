// What moving words costs in this Node, for choosing the engine's next core (issue 10): a
// waiting state is written into the frontier word by word from the state it came from, and
// every step reads words of its state. Four ways, in rounds, each timed over many calls of
// one copy of `--words` words (default 30, a counter state of the bench):
//
//   js          a loop from one Int32Array into another (what pack.ts does)
//   copyWithin  Int32Array.prototype.copyWithin inside one array
//   wasm        a loop in WebAssembly over its own memory (the module below)
//   call        a call into WebAssembly that does nothing (what crossing costs)
//
//   node out/bench/copy-cost.js [--words 30] [--calls 2000000] [--rounds 7]
//
// The module is written here as its bytes, assembled from this text (WebAssembly's text
// format); nothing is generated from a scenario:
//
//   (module (memory (export "mem") 4)
//     (func (export "nop") (param i32) (result i32) local.get 0)
//     (func (export "copy") (param $s i32) (param $d i32) (param $n i32) (result i32)
//       (local $e i32)
//       local.get $s local.get $n i32.const 2 i32.shl i32.add local.set $e
//       (block $b (loop $l
//         local.get $s local.get $e i32.ge_u br_if $b
//         local.get $d local.get $s i32.load i32.store
//         local.get $s i32.const 4 i32.add local.set $s
//         local.get $d i32.const 4 i32.add local.set $d
//         br $l))
//       local.get $d))

const MODULE =
  '0061736d01000000010d0260017f017f60037f7f7f017f03030200010503010004071403036d656d0200036e6f70000004636f70790001' +
  '0a3e02040020000b3701017f200020024102746a210302400340200020034f0d0120012000280200360200200041046a2100200141046a21010c000b0b20010b';

/** The part of WebAssembly's JavaScript interface used here (the project's TypeScript libraries leave it out). */
interface Wasm {
  Instance: new (module: object, imports: object) => { readonly exports: unknown };
  Module: new (bytes: Uint8Array) => object;
}
const WA = (globalThis as unknown as { WebAssembly: Wasm }).WebAssembly;

interface Exports {
  readonly mem: { readonly buffer: ArrayBuffer };
  nop(x: number): number;
  copy(from: number, to: number, n: number): number;
}

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  const v = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isInteger(v) || v <= 0) {
    process.stderr.write(`copy-cost: ${name} takes a positive whole number\n`);
    process.exit(2);
  }
  return v;
}

function jsCopy(from: Int32Array, to: Int32Array, s: number, d: number, n: number): number {
  for (let i = 0; i < n; i++) to[d + i] = from[s + i]!;
  return d + n;
}

function main(): void {
  const words = option('--words', 30);
  const calls = option('--calls', 2_000_000);
  const rounds = option('--rounds', 7);
  if (words > 4096) {
    process.stderr.write('copy-cost: --words is at most 4096\n');
    process.exit(2);
  }
  const bytes = Uint8Array.from(MODULE.match(/../g)!, (h) => parseInt(h, 16));
  const wasm = new WA.Instance(new WA.Module(bytes), {}).exports as unknown as Exports;
  const heap = new Int32Array(wasm.mem.buffer);
  const a = new Int32Array(1 << 16);
  const b = new Int32Array(1 << 16);
  for (let i = 0; i < 8192; i++) a[i] = heap[i] = i * 7;
  // Sources and destinations move through 256 places, as states do through a chunk.
  const ways: Record<string, () => number> = {
    js: () => {
      let x = 0;
      for (let r = 0; r < calls; r++) x += jsCopy(a, b, r & 255, 8192 + (r & 255), words);
      return x;
    },
    copyWithin: () => {
      let x = 0;
      for (let r = 0; r < calls; r++) x += heap.copyWithin(8192 + (r & 255), r & 255, (r & 255) + words).length;
      return x;
    },
    wasm: () => {
      let x = 0;
      for (let r = 0; r < calls; r++) x += wasm.copy((r & 255) * 4, (8192 + (r & 255)) * 4, words);
      return x;
    },
    call: () => {
      let x = 0;
      for (let r = 0; r < calls; r++) x += wasm.nop(r);
      return x;
    },
  };
  // Where each way copies to, and from: every copy lands 8192 words after its source.
  const target: Record<string, [Int32Array, Int32Array] | undefined> = { js: [a, b], copyWithin: [heap, heap], wasm: [heap, heap], call: undefined };
  const times: Record<string, number[]> = {};
  let sink = 0;
  for (let round = 0; round < rounds; round++) {
    for (const [name, run] of Object.entries(ways)) {
      const pair = target[name];
      pair?.[1].fill(0, 8192, 8192 + 256 + words);
      const t0 = performance.now();
      sink += run();
      (times[name] ??= []).push(((performance.now() - t0) * 1e6) / calls);
      // A way that did not copy what it was asked to is not measured.
      for (let i = 0; pair && i < Math.min(256, calls) - 1 + words; i++) {
        if (pair[1][8192 + i] !== pair[0][i]) {
          process.stderr.write(`copy-cost: ${name} left word ${i} uncopied\n`);
          process.exit(1);
        }
      }
    }
  }
  const median = (xs: number[]): number => [...xs].sort((p, q) => p - q)[xs.length >> 1]!;
  const js = median(times.js!);
  console.log(`${words} words a copy, ${calls} calls a round, median of ${rounds} rounds (the first warms the code)`);
  console.log('way          ns/call   ns/word   vs js');
  for (const name of Object.keys(ways)) {
    const m = median(times[name]!);
    const perWord = name === 'call' ? '–' : (m / words).toFixed(2);
    console.log(`${name.padEnd(11)} ${m.toFixed(1).padStart(8)} ${perWord.padStart(9)} ${(m / js).toFixed(2).padStart(7)}×`);
  }
  if (sink === 0.5) console.log(sink);
}

main();
