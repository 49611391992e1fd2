/** Where the CLI (and the extension's worker) looks for a source file's imports, on a real disk in a scratch folder. */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { normalizePath } from '../../src/core/source/modules/source-files.js';
import { interpreterSitePackages, pathInterpreterSitePackages, projectVenvSitePackages } from '../../src/node/python-environment.js';
import { cliLocationSpec, projectRootOf, sourceLocation } from '../../src/node/source-location.js';

function write(path: string, text = ''): string {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
  return path;
}

describe('source locations on disk', () => {
  let tmp = '';
  before(() => {
    tmp = realpathSync(mkdtempSync(join(tmpdir(), 'se-lens-location-')));
  });
  after(() => rmSync(tmp, { recursive: true, force: true }));

  it('the project root is the nearest folder up with a marker, else the file\'s folder', () => {
    const project = join(tmp, 'proj');
    write(join(project, 'pyproject.toml'));
    const file = write(join(project, 'src', 'pkg', 'se.py'));
    assert.equal(projectRootOf(file), project);
    write(join(project, 'src', 'pkg', 'setup.py'));
    assert.equal(projectRootOf(file), join(project, 'src', 'pkg'));
    const loose = write(join(tmp, 'loose', 'deep', 'model.py'));
    // tmpdir() may itself sit under a marker on some machines; then that folder is the root, which is still upward.
    assert.ok(join(tmp, 'loose', 'deep').startsWith(projectRootOf(loose)));
  });

  it('--python-path folders come first, then the project .venv / venv site-packages, newest Python first', () => {
    const project = join(tmp, 'venvproj');
    write(join(project, '.git', 'HEAD'));
    const file = write(join(project, 'models', 'se.py'));
    write(join(project, '.venv', 'pyvenv.cfg'), 'home = /usr/bin\ninclude-system-site-packages = false\n');
    mkdirSync(join(project, '.venv', 'lib', 'python3.9', 'site-packages'), { recursive: true });
    mkdirSync(join(project, '.venv', 'lib', 'python3.12', 'site-packages'), { recursive: true });
    write(join(project, 'venv', 'pyvenv.cfg'));
    mkdirSync(join(project, 'venv', 'Lib', 'site-packages'), { recursive: true });
    // A folder named venv without pyvenv.cfg is not an environment.
    mkdirSync(join(project, 'models', 'venv', 'lib', 'python3.11', 'site-packages'), { recursive: true });
    const extra = join(tmp, 'extra');
    const spec = cliLocationSpec(file, [extra], tmp, {});
    assert.equal(spec.path, file);
    // The project root, the script's own folder (Python's sys.path[0]), the working folder holding the file.
    assert.deepEqual(spec.searchRoots, [project, join(project, 'models'), tmp]);
    assert.deepEqual(cliLocationSpec(file, [], join(tmp, 'elsewhere'), {}).searchRoots, [project, join(project, 'models')]);
    assert.deepEqual(cliLocationSpec(file, [], project, {}).searchRoots, [project, join(project, 'models')]);
    assert.deepEqual(cliLocationSpec(file, [], '/', {}).searchRoots, [project, join(project, 'models')]);
    assert.deepEqual(spec.pythonPaths, [
      extra,
      join(project, '.venv', 'lib', 'python3.12', 'site-packages'),
      join(project, '.venv', 'lib', 'python3.9', 'site-packages'),
      join(project, 'venv', 'Lib', 'site-packages'),
    ]);
    assert.deepEqual(projectVenvSitePackages(join(project, 'models')), []);
    // PYTHONPATH (relative entries from the working folder) and an activated environment, as Python orders them.
    const active = join(tmp, 'active-env');
    mkdirSync(join(active, 'lib', 'python3.10', 'site-packages'), { recursive: true });
    const env = { PYTHONPATH: ['src', join(tmp, 'abs')].join(delimiter), VIRTUAL_ENV: active };
    assert.deepEqual(cliLocationSpec(file, [extra], project, env).pythonPaths, [
      extra,
      join(project, 'src'),
      join(tmp, 'abs'),
      join(active, 'lib', 'python3.10', 'site-packages'),
      join(project, '.venv', 'lib', 'python3.12', 'site-packages'),
      join(project, '.venv', 'lib', 'python3.9', 'site-packages'),
      join(project, 'venv', 'Lib', 'site-packages'),
    ]);
  });

  it('an interpreter path gives its environment\'s site-packages; include-system-site-packages adds the base\'s', () => {
    const base = join(tmp, 'base-python');
    mkdirSync(join(base, 'lib', 'python3.11', 'site-packages'), { recursive: true });
    mkdirSync(join(base, 'bin'), { recursive: true });
    const env = join(tmp, 'env');
    mkdirSync(join(env, 'lib', 'python3.11', 'site-packages'), { recursive: true });
    write(join(env, 'pyvenv.cfg'), `home = ${join(base, 'bin')}\ninclude-system-site-packages = false\nversion = 3.11.2\n`);
    assert.deepEqual(interpreterSitePackages(join(env, 'bin', 'python3')), [join(env, 'lib', 'python3.11', 'site-packages')]);
    write(join(env, 'pyvenv.cfg'), `home = ${join(base, 'bin')}\ninclude-system-site-packages = true\n`);
    assert.deepEqual(interpreterSitePackages(join(env, 'bin', 'python3')), [join(env, 'lib', 'python3.11', 'site-packages'), join(base, 'lib', 'python3.11', 'site-packages')]);
    // A Windows layout: Scripts\\python.exe, Lib\\site-packages.
    const win = join(tmp, 'winenv');
    mkdirSync(join(win, 'Lib', 'site-packages'), { recursive: true });
    assert.deepEqual(interpreterSitePackages(join(win, 'Scripts', 'python.exe')), [join(win, 'Lib', 'site-packages')]);
    // A conda or system interpreter without pyvenv.cfg: its prefix's folders.
    assert.deepEqual(interpreterSitePackages(join(base, 'bin', 'python3.11')), [join(base, 'lib', 'python3.11', 'site-packages')]);
    assert.deepEqual(interpreterSitePackages(join(tmp, 'nowhere', 'bin', 'python')), []);
    // An environment named by its folder, as the Python extension names a venv without an interpreter.
    assert.deepEqual(interpreterSitePackages(env), [join(env, 'lib', 'python3.11', 'site-packages'), join(base, 'lib', 'python3.11', 'site-packages')]);
    // No environment named or found: the first interpreter on PATH with package folders (a shim folder has none).
    const shims = join(tmp, 'shims');
    write(join(shims, 'python3'), '#!/bin/sh\n');
    write(join(base, 'bin', 'python3'), '');
    const lone = join(tmp, 'lone', 'train.py');
    write(lone, 'import torch\n');
    const PATH = [shims, join(base, 'bin')].join(delimiter);
    assert.deepEqual(pathInterpreterSitePackages(PATH), [join(base, 'lib', 'python3.11', 'site-packages')]);
    assert.deepEqual(cliLocationSpec(lone, [], tmp, { PATH }).pythonPaths, [join(base, 'lib', 'python3.11', 'site-packages')]);
    // --python-path (or an environment) wins alone: the PATH's interpreter is not mixed in.
    assert.deepEqual(cliLocationSpec(lone, [join(tmp, 'extra')], tmp, { PATH }).pythonPaths, [join(tmp, 'extra')]);
  });

  it('the file system reads inside the allowed folders only; symlinks out of them read as absent', () => {
    const project = join(tmp, 'linkproj');
    write(join(project, 'package.json'), '{}');
    const file = write(join(project, 'pkg', 'se.py'), 'from .helpers import f\n');
    write(join(project, 'pkg', 'helpers.py'), 'def f(c):\n    return c // 4\n');
    const secret = write(join(tmp, 'outside', 'secret.py'), 'TOKEN = 1\n');
    symlinkSync(secret, join(project, 'pkg', 'leak.py'));
    symlinkSync(join(tmp, 'outside'), join(project, 'pkg', 'outdir'));
    symlinkSync(join(project, 'pkg', 'helpers.py'), join(project, 'pkg', 'alias.py'));
    const loc = sourceLocation(cliLocationSpec(file, [], project, {}));
    const p = (...parts: string[]) => normalizePath(join(project, ...parts));
    assert.equal(loc.path, p('pkg', 'se.py'));
    assert.deepEqual(loc.searchRoots, [normalizePath(project), p('pkg')]);
    assert.equal(loc.files.kind(p('pkg')), 'directory');
    assert.equal(loc.files.readText(p('pkg', 'helpers.py')), 'def f(c):\n    return c // 4\n');
    assert.equal(loc.files.readText(p('pkg', 'alias.py')), 'def f(c):\n    return c // 4\n');
    assert.equal(loc.files.kind(p('pkg', 'leak.py')), undefined);
    assert.equal(loc.files.readText(p('pkg', 'leak.py')), undefined);
    assert.equal(loc.files.list(p('pkg', 'outdir')), undefined);
    assert.equal(loc.files.readText(normalizePath(secret)), undefined);
    assert.ok(loc.files.list(p('pkg'))!.includes('helpers.py'));
    assert.equal(loc.files.readText(p('pkg', 'missing.py')), undefined);
    assert.equal(loc.files.version(p('pkg', 'missing.py')), undefined);
  });

  it('unsaved texts win over the disk, with a version that follows their content', () => {
    const project = join(tmp, 'overlay');
    write(join(project, 'setup.py'));
    const helpers = write(join(project, 'helpers.py'), 'A = 1\n');
    const file = write(join(project, 'se.py'));
    const spec = cliLocationSpec(file, [], project, {});
    const disk = sourceLocation(spec);
    const a = sourceLocation(spec, new Map([[helpers, 'A = 2\n']]));
    const b = sourceLocation(spec, new Map([[helpers, 'A = 3\n']]));
    assert.equal(disk.files.readText(normalizePath(helpers)), 'A = 1\n');
    assert.equal(a.files.readText(normalizePath(helpers)), 'A = 2\n');
    assert.notEqual(a.files.version(normalizePath(helpers)), b.files.version(normalizePath(helpers)));
    assert.notEqual(a.files.version(normalizePath(helpers)), disk.files.version(normalizePath(helpers)));
  });
});
