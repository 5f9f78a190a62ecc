import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import * as lib from '../src/index.js';

test('every value the types declare is exported by the package, and every export is typed', async () => {
  const dts = await readFile(new URL('../src/index.d.ts', import.meta.url), 'utf8');
  const declared = [...dts.matchAll(/^export declare (?:class|function|const) (\w+)/gm)].map((m) => m[1]);
  const missing = declared.filter((name) => !(name in lib));
  assert.deepEqual(missing, [], 'declared in index.d.ts, not exported by index.js');
  const untyped = Object.keys(lib).filter((name) => !declared.includes(name));
  assert.deepEqual(untyped, [], 'exported by index.js, not declared in index.d.ts');
});
