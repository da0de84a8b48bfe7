// Numbers as the reports print them: 1,080,896. Not `toLocaleString('en-US')`: its first
// call loads ICU's number data, 14 ms of every command-line run (a seed's whole check takes
// a few hundred).

/** An integer with its thousands separated by commas, as en-US writes it. */
export function thousands(n: number): string {
  if (!Number.isSafeInteger(n) || Object.is(n, -0)) return n.toLocaleString('en-US');
  const digits = String(Math.abs(n));
  let out = '';
  for (let i = digits.length; i > 0; i -= 3) out = (i > 3 ? ',' : '') + digits.slice(Math.max(0, i - 3), i) + out;
  return n < 0 ? `-${out}` : out;
}
