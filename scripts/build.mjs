// Bundles every entry point with esbuild. Each surface owns one file in scripts/targets/ exporting
// an array of esbuild options (node CLI, extension host, webview), so bundles are added without editing this file.
import { build, context } from 'esbuild';
import { readdirSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';

const watch = process.argv.includes('--watch');
const dir = join(import.meta.dirname, 'targets');
const targets = [];
for (const file of readdirSync(dir).filter((f) => f.endsWith('.mjs')).sort()) {
  const mod = await import(pathToFileURL(join(dir, file)).href);
  targets.push(...mod.default);
}
const common = { bundle: true, sourcemap: true, logLevel: 'warning', legalComments: 'none' };
if (watch) {
  for (const t of targets) await (await context({ ...common, ...t })).watch();
} else {
  await Promise.all(targets.map((t) => build({ ...common, ...t })));
}
