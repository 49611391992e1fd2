import type { DefaultInput, SourceAnalysis, SourceUnit } from '../../core/source/analysis.js';
import { sourceAnalyzer } from '../../core/source/analyze-source.js';
import type { GrammarFile, GrammarLoader } from '../../core/source/parsers.js';
import type { SourceLocation } from '../../core/source/modules/source-files.js';
import type { EngineSourceAnalysis, SourceRequest, SourceRequestLocation } from './api.js';

/**
 * Builds the location a request's folders describe, over the host's file access. `known`: the location built
 * before for the same folders, to update (its unsaved texts) and return instead of a new one when it can.
 */
export type SourceLocationFactory = (spec: SourceRequestLocation, unsaved: ReadonlyMap<string, string>, known?: SourceLocation) => SourceLocation;

/** Locations kept for reuse, so the front-ends' import caches see one file system per document. */
const MAX_LOCATIONS = 64;

/**
 * The source front-ends behind the engine. Documents keep their parse trees between versions (incremental
 * reparse). A unit whose input shape the user set is analysed again with that shape as its default,
 * since the front-ends take one default per document.
 */
export class SourceFrontEnds {
  private readonly loader: GrammarLoader;
  private readonly locations = new Map<string, SourceLocation>();

  constructor(grammars: { load(file: string): Promise<Uint8Array> }, private readonly locate: SourceLocationFactory) {
    this.loader = { load: (file: GrammarFile) => grammars.load(file) };
  }

  async analyze(request: SourceRequest): Promise<EngineSourceAnalysis> {
    const analyzer = await sourceAnalyzer(this.loader);
    const location = request.location ? this.locationOf(request.location) : undefined;
    const where = location ? { location } : {};
    const base: SourceAnalysis = analyzer.analyze(request.text, request.language, { documentKey: request.key, defaultInput: request.defaultInput, ...where });
    const overridden: string[] = [];
    let units: readonly SourceUnit[] = base.units;
    for (const [name, shape] of Object.entries(request.inputOverrides)) {
      const unit = units.find((u) => u.name === name);
      if (!unit || unit.inputShapeSource !== 'default' || shape.length !== 4) continue;
      const again = analyzer.analyze(request.text, request.language, { defaultInput: asDefault(shape, unit.model.layout), ...where });
      const replaced = again.units.find((u) => u.name === name);
      if (!replaced) continue;
      units = units.map((u) => (u === unit ? replaced : u));
      overridden.push(name);
    }
    return { ...base, units, overridden };
  }

  /** The same location object for the same folders, its unsaved texts replaced by the request's. */
  private locationOf(spec: SourceRequestLocation): SourceLocation {
    const key = JSON.stringify([spec.path, spec.searchRoots, spec.pythonPaths]);
    const unsaved = new Map(Object.entries(spec.unsaved));
    const known = this.locations.get(key);
    const location = this.locate(spec, unsaved, known);
    if (location !== known) {
      this.locations.set(key, location);
      while (this.locations.size > MAX_LOCATIONS) this.locations.delete(this.locations.keys().next().value as string);
    }
    return location;
  }

  forget(key: string): void {
    void sourceAnalyzer(this.loader).then((a) => a.forget(key), () => undefined);
  }
}

function asDefault(shape: readonly number[], layout: 'NCHW' | 'NHWC'): DefaultInput {
  const [batch, a, b, c] = shape as [number, number, number, number];
  return layout === 'NHWC' ? { batch, height: a, width: b, channels: c } : { batch, channels: a, height: b, width: c };
}
