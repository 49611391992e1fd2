import { namedChildren, textOf, type Syn } from '../syntax.js';
import type { TsValue } from './values.js';

/**
 * Options of Keras-application-style builders as TF.js ports name them
 * (`mobileNetV3Large({ inputShape, alpha, includeTop, numClasses })`), with the value Keras gives each when
 * the caller leaves it out (`MobileNetV3Large(alpha=1.0, include_top=True, classes=1000)`). Library
 * knowledge, as data: an entry point no code calls is run with these for the options it destructures
 * without a default of its own, and says which it took.
 */
const APPLICATION_OPTION_DEFAULTS: ReadonlyMap<string, number | boolean | readonly number[]> = new Map<string, number | boolean | readonly number[]>([
  // Keras builds these at 224x224 RGB unless told otherwise.
  ['inputShape', [224, 224, 3]],
  ['input_shape', [224, 224, 3]],
  ['alpha', 1],
  ['widthMultiplier', 1],
  ['width_multiplier', 1],
  ['depthMultiplier', 1],
  ['depth_multiplier', 1],
  ['widthCoefficient', 1],
  ['depthCoefficient', 1],
  ['includeTop', true],
  ['include_top', true],
  ['classes', 1000],
  ['numClasses', 1000],
  ['num_classes', 1000],
]);

function valueOf(value: number | boolean | readonly number[]): TsValue {
  if (typeof value === 'number') return { k: 'num', v: value };
  if (typeof value === 'boolean') return { k: 'bool', v: value };
  return { k: 'arr', items: value.map((v) => ({ k: 'num', v })) };
}

/** `[224, 224, 3]`, `1`, `true`: a conventional value as the note that names it shows it. */
export function conventionText(v: TsValue): string {
  return v.k === 'arr' ? `[${v.items.map(conventionText).join(', ')}]` : v.k === 'num' || v.k === 'bool' ? String(v.v) : '';
}

/** The conventional values for the options an object pattern (`{ inputShape, alpha }`) names without a default. */
export function applicationDefaults(pattern: Syn): Map<string, TsValue> {
  const taken = new Map<string, TsValue>();
  for (const p of namedChildren(pattern)) {
    if (p.type !== 'shorthand_property_identifier_pattern') continue;
    const value = APPLICATION_OPTION_DEFAULTS.get(textOf(p));
    if (value !== undefined) taken.set(textOf(p), valueOf(value));
  }
  return taken;
}
