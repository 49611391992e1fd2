import { child, childrenOf, namedChildren, textOf, type Syn } from '../syntax.js';
import { ModuleScope, type PythonProgram } from './program.js';
import type { Scope } from './values.js';

/** `import a.b as c`, `from ..pkg import x as y`, `from m import *`: names bound through the program's module system. */
export function bindImports(stmt: Syn, scope: Scope, program: PythonProgram): void {
  const root = scope.root();
  const file = root instanceof ModuleScope ? root.file : undefined;
  if (stmt.type === 'import_statement') {
    for (const n of childrenOf(stmt, 'name')) {
      if (n.type === 'aliased_import') {
        const name = child(n, 'name');
        const alias = child(n, 'alias');
        if (name && alias) scope.set(textOf(alias), program.moduleValue(textOf(name), 0, file));
      } else {
        const head = textOf(n).split('.')[0]!;
        scope.set(head, program.moduleValue(head, 0, file));
      }
    }
    return;
  }
  const mod = child(stmt, 'module_name');
  if (!mod) return;
  let level = 0;
  let name = textOf(mod);
  if (mod.type === 'relative_import') {
    const prefix = namedChildren(mod).find((c) => c.type === 'import_prefix');
    const dotted = namedChildren(mod).find((c) => c.type === 'dotted_name');
    level = prefix ? textOf(prefix).replace(/\s/g, '').length : 1;
    name = dotted ? textOf(dotted) : '';
  }
  const module = program.moduleValue(name, level, file);
  if (namedChildren(stmt).some((c) => c.type === 'wildcard_import')) {
    if (module.k === 'pymodule' && root instanceof ModuleScope) root.addStar(module.ns);
    else if (module.k === 'unknown' && root instanceof ModuleScope) root.missingStars.push(module.why);
    return;
  }
  for (const n of childrenOf(stmt, 'name')) {
    const nameNode = n.type === 'aliased_import' ? child(n, 'name') : n;
    const alias = n.type === 'aliased_import' ? child(n, 'alias') : n;
    if (nameNode && alias) scope.set(textOf(alias), program.importFrom(module, textOf(nameNode)));
  }
}
