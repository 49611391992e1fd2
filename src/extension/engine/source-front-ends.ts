import type { DefaultInput, SourceAnalysis, SourceUnit } from '../../core/source/analysis.js';
import { sourceAnalyzer } from '../../core/source/analyze-source.js';
import type { GrammarFile, GrammarLoader } from '../../core/source/parsers.js';
import type { EngineSourceAnalysis, SourceRequest } from './api.js';

/**
 * The source front-ends behind the engine. Documents keep their parse trees between versions (incremental
 * reparse). A unit whose input shape the user set is analysed again with that shape as its default,
 * since the front-ends take one default per document.
 */
export class SourceFrontEnds {
  private readonly loader: GrammarLoader;

  constructor(grammars: { load(file: string): Promise<Uint8Array> }) {
    this.loader = { load: (file: GrammarFile) => grammars.load(file) };
  }

  async analyze(request: SourceRequest): Promise<EngineSourceAnalysis> {
    const analyzer = await sourceAnalyzer(this.loader);
    const base: SourceAnalysis = analyzer.analyze(request.text, request.language, { documentKey: request.key, defaultInput: request.defaultInput });
    const overridden: string[] = [];
    let units: readonly SourceUnit[] = base.units;
    for (const [name, shape] of Object.entries(request.inputOverrides)) {
      const unit = units.find((u) => u.name === name);
      if (!unit || unit.inputShapeSource !== 'default' || shape.length !== 4) continue;
      const again = analyzer.analyze(request.text, request.language, { defaultInput: asDefault(shape, unit.model.layout) });
      const replaced = again.units.find((u) => u.name === name);
      if (!replaced) continue;
      units = units.map((u) => (u === unit ? replaced : u));
      overridden.push(name);
    }
    return { ...base, units, overridden };
  }

  forget(key: string): void {
    void sourceAnalyzer(this.loader).then((a) => a.forget(key), () => undefined);
  }
}

function asDefault(shape: readonly number[], layout: 'NCHW' | 'NHWC'): DefaultInput {
  const [batch, a, b, c] = shape as [number, number, number, number];
  return layout === 'NHWC' ? { batch, height: a, width: b, channels: c } : { batch, channels: a, height: b, width: c };
}
