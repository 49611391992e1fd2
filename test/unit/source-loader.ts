import { nodeGrammars } from '../../src/cli/node-grammars.js';
import { readFileSync } from 'node:fs';
import type { Model } from '../../src/core/ir/graph.js';
import { sourceAnalyzer, type AnalyzeSourceOptions, type SourceAnalyzer } from '../../src/core/source/analyze-source.js';
import type { SourceAnalysis, SourceUnit } from '../../src/core/source/analysis.js';
import type { SourceLanguage } from '../../src/core/source/parsers.js';

export { nodeGrammars };

export function fixtureText(name: string): string {
  return readFileSync(new URL(`../fixtures/source/${name}`, import.meta.url), 'utf8');
}

export function analyzer(): Promise<SourceAnalyzer> {
  return sourceAnalyzer(nodeGrammars);
}

export async function analyzeText(text: string, language: SourceLanguage, options: AnalyzeSourceOptions = {}): Promise<SourceAnalysis> {
  return (await analyzer()).analyze(text, language, options);
}

export async function analyzeFixture(name: string, options: AnalyzeSourceOptions = {}): Promise<SourceAnalysis> {
  return analyzeText(fixtureText(name), name.endsWith('.py') ? 'python' : 'typescript', options);
}

export function unitNamed(analysis: SourceAnalysis, name: string): SourceUnit {
  const unit = analysis.units.find((u) => u.name === name);
  if (!unit) throw new Error(`no unit ${name}; have ${analysis.units.map((u) => u.name).join(', ')}`);
  return unit;
}

export function ops(model: Model): string[] {
  return model.graph.nodes.map((n) => n.op);
}

/** Graph invariants every unit must keep, whatever the input: each tensor known, each module's nodes real. */
export function graphProblems(model: Model): string[] {
  const g = model.graph;
  const problems: string[] = [];
  const ids = new Set<string>();
  for (const n of g.nodes) {
    if (ids.has(n.id)) problems.push(`duplicate node id ${n.id}`);
    ids.add(n.id);
    for (const t of [...n.inputs, ...n.outputs]) if (t && !g.values.has(t)) problems.push(`${n.id}: no value info for ${t}`);
    if (n.op === 'Unknown' && !n.note) problems.push(`${n.id}: Unknown without a note`);
  }
  const paths = new Set<string>();
  for (const m of g.modules ?? []) {
    if (paths.has(m.path)) problems.push(`duplicate module ${m.path}`);
    paths.add(m.path);
    for (const id of m.nodeIds) if (!ids.has(id)) problems.push(`module ${m.path}: unknown node ${id}`);
  }
  return problems;
}

/** JSON of an analysis with Maps and typed arrays spelled out, for equality checks. */
export function serialize(analysis: SourceAnalysis): string {
  return JSON.stringify(analysis, (_k, v: unknown) => {
    if (v instanceof Map) return [...v.entries()];
    if (ArrayBuffer.isView(v)) return Array.from(v as unknown as ArrayLike<number>);
    return v;
  });
}
