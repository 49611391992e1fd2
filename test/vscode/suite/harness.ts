/**
 * A minimal test runner for the extension host (no mocha in the project): tests run in order, each failure
 * is printed with its stack, and `runAll` rejects when any failed, which makes the host exit with 1.
 * Lines carry a prefix so the runner can pick them out of the workbench's console.
 */
const PREFIX = '[se-lens-test]';

interface Case {
  readonly name: string;
  readonly fn: () => Promise<void> | void;
}

const cases: Case[] = [];
let suiteName = '';

export function suite(name: string, body: () => void): void {
  suiteName = name;
  body();
  suiteName = '';
}

export function test(name: string, fn: () => Promise<void> | void): void {
  cases.push({ name: suiteName ? `${suiteName} › ${name}` : name, fn });
}

export function say(line: string): void {
  console.log(`${PREFIX} ${line}`);
}

/** `only`: run just the tests whose name contains it. */
export async function runAll(only?: string, timeoutMs = 120_000): Promise<void> {
  const failures: string[] = [];
  let passed = 0;
  for (const c of cases) {
    if (only && !c.name.includes(only)) continue;
    const started = Date.now();
    try {
      await Promise.race([
        Promise.resolve().then(c.fn),
        new Promise((_, reject) => setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs)),
      ]);
      passed++;
      say(`  ✓ ${c.name} (${Date.now() - started} ms)`);
    } catch (e) {
      failures.push(c.name);
      say(`  ✗ ${c.name}`);
      say(`    ${(e instanceof Error ? (e.stack ?? e.message) : String(e)).split('\n').join('\n    ')}`);
    }
  }
  say(`${passed} passed, ${failures.length} failed`);
  if (failures.length) throw new Error(`${failures.length} extension-host test(s) failed: ${failures.join('; ')}`);
}
