#!/usr/bin/env node
// Writes l10n/bundle.l10n.json: every message the extension passes to vscode.l10n.t, keyed by itself (English),
// the file translators copy to bundle.l10n.<locale>.json. What @vscode/l10n-dev's `export` does, for our sources
// only: the extension's own string literals in l10n.t('…') calls are read, never user code.
import { readdirSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const srcDir = join(root, 'src', 'extension');
const files = readdirSync(srcDir, { recursive: true }).filter((f) => f.endsWith('.ts')).map((f) => join(srcDir, f));
const call = /\bl10n\.t\(\s*(['"])((?:\\.|(?!\1).)*)\1/g;
const messages = new Map();
for (const file of files) {
  for (const m of readFileSync(file, 'utf8').matchAll(call)) {
    const text = m[2].replace(/\\(['"\\])/g, '$1');
    messages.set(text, text);
  }
}
const sorted = Object.fromEntries([...messages.entries()].sort(([a], [b]) => a.localeCompare(b)));
mkdirSync(join(root, 'l10n'), { recursive: true });
writeFileSync(join(root, 'l10n', 'bundle.l10n.json'), `${JSON.stringify(sorted, null, 2)}\n`);
console.log(`l10n/bundle.l10n.json: ${messages.size} messages`);
