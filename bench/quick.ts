// Quick mode (`npm run bench -- --quick`, or BENCH_QUICK=1): every bench runs its code paths once, so CI sees a
// broken bench as a failure, without the repetitions that make the medians worth reading. No timing is asserted.

/** True when the benches run once each, for CI. */
export function quickMode(): boolean {
  return process.env.BENCH_QUICK === '1';
}

/** `n` repetitions, or 1 in quick mode. */
export function repetitions(n: number): number {
  return quickMode() ? 1 : n;
}
