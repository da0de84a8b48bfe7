// The visited-state store: fingerprints of equal words are equal, new states get dense ids,
// known ones are found again after the table grows, and parent links rebuild paths.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { fingerprint, fp, packMove, StateStore, unpackMove } from '../../core/explore/store';

function fpOf(words: number[]): [number, number] {
  fingerprint(Int32Array.from(words));
  return [fp.h1, fp.h2];
}

describe('fingerprint', () => {
  test('equal words give equal fingerprints; a changed word or length changes them', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), { minLength: 1, maxLength: 64 }), fc.nat(), (words, i) => {
        assert.deepEqual(fpOf(words), fpOf([...words]));
        const changed = [...words];
        const k = i % words.length;
        changed[k] = (changed[k]! + 1) | 0;
        assert.notDeepEqual(fpOf(changed), fpOf(words));
        assert.notDeepEqual(fpOf([...words, 0]), fpOf(words));
      }),
    );
  });
});

describe('StateStore', () => {
  test('dense ids for new states, the same id (negated) for known ones, across growth', () => {
    const store = new StateStore(16);
    const n = 20_000;
    for (let i = 0; i < n; i++) {
      fingerprint(Int32Array.of(i, i * 7));
      assert.equal(store.insert(i - 1, packMove(i % 5, 0)), i);
    }
    assert.equal(store.size, n);
    for (let i = 0; i < n; i += 97) {
      fingerprint(Int32Array.of(i, i * 7));
      assert.equal(store.insert(0, 0), -(i + 1));
    }
    assert.equal(store.size, n);
    assert.ok(store.bytes / n < 64, `compact: ${store.bytes / n} bytes per state`);
  });

  test('every state is found again after the table doubles, however its slots cluster', () => {
    // Fingerprints whose home slots crowd a few places, the table's last slots among them, so
    // growth meets long clusters that wrap around the end: each doubling must leave every
    // state reachable from its new home.
    const pair = fc.tuple(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 2 ** 20 }), fc.boolean());
    fc.assert(
      fc.property(fc.array(pair, { minLength: 1, maxLength: 3000 }), (pairs) => {
        const store = new StateStore(16);
        const first = new Map<string, number>();
        const put = ([low, high, end]: [number, number, boolean]): number => {
          // slot = (h1 ^ imul(h2, 0x9e3779b1)) & mask with h2 = 1: the low bits of h1 pick the home.
          fp.h1 = ((end ? -1 - low : low) ^ 0x9e3779b1 ^ (high << 11)) | 0;
          fp.h2 = 1;
          return store.insert(-1, 0);
        };
        for (const p of pairs) {
          const key = `${p[0]}:${p[1]}:${p[2]}`;
          const id = put(p);
          const known = first.get(key);
          if (known === undefined) {
            assert.equal(id, first.size, 'a new state takes the next id');
            first.set(key, id);
          } else assert.equal(id, -(known + 1), 'a known state is found with its id');
        }
        for (const p of pairs) assert.equal(put(p), -(first.get(`${p[0]}:${p[1]}:${p[2]}`)! + 1));
        assert.equal(store.size, first.size);
        assert.equal(store.fingerprints().h1.length, first.size);
      }),
      { numRuns: 60 },
    );
  });

  test('paths are rebuilt from parent links', () => {
    const store = new StateStore();
    fingerprint(Int32Array.of(1));
    const a = store.insert(-1, 0);
    fingerprint(Int32Array.of(2));
    const b = store.insert(a, packMove(3, 1));
    fingerprint(Int32Array.of(3));
    const c = store.insert(b, packMove(0, 2));
    assert.deepEqual(store.pathTo(c).map(unpackMove), [{ actor: 3, choice: 1 }, { actor: 0, choice: 2 }]);
    assert.deepEqual(store.pathTo(a), []);
  });
});

describe('fingerprintState', () => {
  test('equal encodeState words give equal fingerprints, different ones different; successors hash incrementally to the same', async () => {
    const { loadScenario } = await import('../../core');
    const { encodeState, initialState, successors } = await import('../../core/model/machine');
    const { DETECTOR_CASES, scenarioText } = await import('./detector-cases');
    const { fingerprintState, StateHasher } = await import('../../core/explore/store');
    const hasher = new StateHasher();
    let compared = 0;
    for (const c of DETECTOR_CASES) {
      const s = loadScenario('t', scenarioText(c, 'buggy')).compiled!;
      const byFingerprint = new Map<string, string>();
      let frontier = [initialState(s)];
      for (let depth = 0; depth < 6 && frontier.length > 0; depth++) {
        const next = [];
        for (const st of frontier) {
          fingerprintState(st);
          const key = `${fp.h1}:${fp.h2}`;
          const words = Buffer.from(encodeState(st).buffer).toString('base64');
          const known = byFingerprint.get(key);
          if (known !== undefined) assert.equal(known, words, 'two different states share a fingerprint');
          byFingerprint.set(key, words);
          hasher.base(st);
          for (const x of successors(s, st)) {
            if (x.result.status !== 'ok') continue;
            hasher.child(x.result.state, x.result.accesses);
            const incremental = [fp.h1, fp.h2];
            fingerprintState(x.result.state);
            assert.deepEqual(incremental, [fp.h1, fp.h2], 'the incremental fingerprint differs from the full one');
            compared++;
            next.push(x.result.state);
          }
        }
        frontier = next.slice(0, 50);
      }
    }
    assert.ok(compared > 100, `${compared} successors compared`);
  });
});

describe('StateStore growth under a memory bound', () => {
  test('a refused growth waits until fifteen sixteenths full, then the table grows all the same', () => {
    const store = new StateStore(1 << 12);
    const asked: number[] = [];
    store.growthGuard = (bytes) => {
      asked.push(bytes);
      return false;
    };
    // The first state also takes the first chunk of parent links (16,384 states): only the table grows after it.
    fingerprint(Int32Array.of(0, 1));
    const ids: number[] = [store.insert(-1, 0)];
    const first = store.bytes;
    let refusedAt = -1;
    for (let i = 1; store.bytes === first; i++) {
      fingerprint(Int32Array.of(i, 3 * i + 1));
      ids.push(store.insert(-1, 0));
      if (refusedAt < 0 && store.growthRefused) refusedAt = i;
    }
    assert.deepEqual(asked, [(1 << 12) * 24], 'asked once, for the doubled table');
    assert.equal(refusedAt, 3 * (1 << 10), 'refused when three quarters full');
    assert.equal(ids.length, (1 << 12) - (1 << 8) + 1, 'grew only past fifteen sixteenths');
    assert.ok(store.growthRefused);
    for (let i = 0; i < ids.length; i++) {
      fingerprint(Int32Array.of(i, 3 * i + 1));
      assert.equal(store.insert(0, 0), -(ids[i]! + 1), `state ${i} after the growth`);
    }
  });

  test('a growth the guard allows happens at three quarters, as with no guard', () => {
    const store = new StateStore(1 << 12);
    const asked: number[] = [];
    store.growthGuard = (bytes) => asked.push(bytes) > 0;
    fingerprint(Int32Array.of(0, 7));
    store.insert(-1, 0);
    let n = 1;
    for (const first = store.bytes; store.bytes === first; n++) {
      fingerprint(Int32Array.of(n, 7));
      store.insert(-1, 0);
    }
    assert.equal(n, 3 * (1 << 10) + 1);
    assert.deepEqual(asked, [(1 << 12) * 24]);
    assert.equal(store.growthRefused, false);
  });
});
