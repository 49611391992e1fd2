import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { withoutTable, withTableOnRead } from '../../src/core/source/finish-unit.js';
import { analyzeFixture, unitNamed } from './source-loader.js';

// The source worker sends its analysis by structured clone, which reads every getter: a unit's table would be
// made in the worker for every unit, before the lenses. Units cross without it and make it where first read.
describe('source units crossing to the host thread', () => {
  it('cross without their table, and the host makes the same torchstat table on first read (512 params, 992 MAdd, 520 Flops, 2.38KB MemR+W)', async () => {
    const sent = unitNamed(await analyzeFixture('se_block_reference.py'), 'SEBlock');
    const clone = structuredClone(withoutTable(sent));
    assert.equal('table' in clone, false);
    const received = withTableOnRead(clone);
    assert.deepEqual(received.blocks, sent.blocks);
    const table = received.table!;
    assert.deepEqual(table, sent.table);
    assert.deepEqual([table.totals.params, table.totals.counts['MAdd'], table.totals.counts['Flops'], table.totals.counts['MemRW']], [512, 992, 520, 2432]);
    assert.equal(received.table, table, 'made once');
    // Copies on the host (spreads, JSON) carry the table like any field.
    assert.deepEqual(JSON.parse(JSON.stringify(received)).table.totals, table.totals);
  });
});
