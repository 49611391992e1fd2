import type { Dim, Model, Shape, SourceRange } from '../ir/graph.js';
import type { SEBlock } from '../detect/block.js';
import type { StatsTable } from '../stats/table.js';
import type { SourceUnknown } from './graph-builder.js';
import type { SourceLanguage } from './parsers.js';

/** Where an analysed unit's input shape came from, in the order they are tried. */
export type InputShapeSource = 'comment' | 'call-site' | 'default';

/** Shapes of the tensors a `forward` line assigns, for inlay hints. */
export interface LineShapes {
  readonly line: number;
  /** Assigned names as written (`v`, `self.x`, `return`); lines that assign no tensor are not listed. */
  readonly names: readonly string[];
  /** One shape per tensor assigned on the line, in order. */
  readonly shapes: readonly Shape[];
}

/** One analysed PyTorch module class, TF.js builder function, `tf.model` or `tf.sequential`. */
export interface SourceUnit {
  readonly name: string;
  readonly kind: 'class' | 'function' | 'model' | 'sequential';
  readonly range: SourceRange;
  readonly model: Model;
  readonly inputShape: readonly Dim[];
  readonly inputShapeSource: InputShapeSource;
  /** The document's own top-level code constructs this unit (`model = SEBlock(32)`), called on a tensor or not. */
  readonly builtAtTopLevel?: boolean;
  /** Constructor or builder arguments that were used, as written at the call site or taken as defaults. */
  readonly arguments: Readonly<Record<string, number | string | boolean>>;
  /** True when something in the unit could not be interpreted; `unknowns` says what and where. */
  readonly partial: boolean;
  readonly unknowns: readonly SourceUnknown[];
  readonly lineShapes: readonly LineShapes[];
  readonly blocks: readonly SEBlock[];
  readonly table: StatsTable | undefined;
  /**
   * TF.js: for a block whose id is a call path (`stage_1.squeezeExcite`), where each call of the path
   * was made in the document, outermost first; a block written in a helper is then shown per call site.
   */
  readonly callSites?: Readonly<Record<string, readonly SourceRange[]>>;
  /** The path of a `# se-lens: weights=…` comment on the unit, as written: trained weights to pair with it. */
  readonly weightsDirective?: string;
}

export interface SourceAnalysis {
  readonly language: SourceLanguage;
  readonly units: readonly SourceUnit[];
  /** Where the parser had to recover: the text there was read as far as possible. */
  readonly syntaxErrors: readonly SourceRange[];
  /** A Python file with no unit: what its top level could not follow (a builder from a module not found, a registry), so a host can say why. */
  readonly topLevelNotes?: readonly SourceUnknown[];
}

/** Defaults for units whose input shape is given neither by a comment nor by a call site. */
export interface DefaultInput {
  readonly batch: number;
  readonly height: number;
  readonly width: number;
  /** Used when the constructor does not tell the channel count. */
  readonly channels: number;
}

export const DEFAULT_INPUT: DefaultInput = { batch: 1, height: 56, width: 56, channels: 64 };
