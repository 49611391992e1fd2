// Bundles every entry point with esbuild. Each surface owns one file in scripts/targets/ exporting
// an array of esbuild options (node CLI, extension host, webview), so bundles are added without editing this file.
import { build, context } from 'esbuild';
import { readdirSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';

// `node scripts/build.mjs cli webview` builds only those target files; no names builds all.
const watch = process.argv.includes('--watch');
const only = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const dir = join(import.meta.dirname, 'targets');
const targets = [];
const files = readdirSync(dir).filter((f) => f.endsWith('.mjs') && (!only.length || only.includes(f.slice(0, -4))));
for (const file of files.sort()) {
  const mod = await import(pathToFileURL(join(dir, file)).href);
  targets.push(...mod.default);
}
const common = { bundle: true, sourcemap: true, logLevel: 'warning', legalComments: 'none' };
if (watch) {
  for (const t of targets) await (await context({ ...common, ...t })).watch();
} else {
  await Promise.all(targets.map((t) => build({ ...common, ...t })));
}
