/**
 * Why interpretation of a unit stopped early, as a note for its unknowns. The step budget is the
 * expected case; anything else (a stack overflow on absurd nesting, a gap in the interpreters) must
 * still leave a partial result and a reason instead of an exception for the host.
 */
export function interruptionNote(e: unknown, what: string, maxSteps: number): string {
  if (e instanceof Error && e.name === 'BudgetExceeded') return `${what}: interpretation stopped after ${maxSteps} steps`;
  if (e instanceof RangeError) return `${what}: nesting too deep to interpret`;
  return `${what}: interpretation stopped (${e instanceof Error ? e.message : String(e)})`;
}
