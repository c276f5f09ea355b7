import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertCliBuilt } from './cli/run-tallystick.js';

// The clearing bench end to end on small graphs, so that its generator, its runs of the CLI, the
// in-process planner and networkx, and its agreement check cannot rot between full bench runs.
const BENCH = join(import.meta.dirname, '..', 'bench', 'clearing.mjs');
const NODE = join(import.meta.dirname, '..', 'node_modules', '.bin', 'node');
const run = promisify(execFile);

let folder: string;
beforeAll(async () => {
  assertCliBuilt();
  folder = await mkdtemp(join(tmpdir(), 'tallystick-bench-clearing-'));
});
afterAll(async () => {
  await rm(folder, { recursive: true, force: true });
});

describe('bench/clearing.mjs', () => {
  it('generates the same graph for the same seed, another for another seed, in the documented shape', async () => {
    const generate = async (seed: number, out: string) => (await run(NODE, [BENCH, '--generate', '--sizes', '30x200', '--seed', String(seed), '--data', join(folder, out)])).stdout.trim();
    const first = await readFile(await generate(3, 'a'), 'utf8');
    expect(await readFile(await generate(3, 'b'), 'utf8')).toBe(first);
    expect(await readFile(await generate(4, 'c'), 'utf8')).not.toBe(first);
    const rows = first.trimEnd().split('\n');
    expect(rows[0]).toBe('debtor,creditor,amount');
    expect(rows).toHaveLength(201);
    for (const row of rows.slice(1)) {
      const [debtor, creditor, amount] = row.split(',');
      expect(debtor).toMatch(/^coop-\d{2}$/u);
      expect(creditor).not.toBe(debtor);
      expect(amount).toMatch(/^\d+\.\d{2}$/u);
      expect(Number(amount)).toBeGreaterThanOrEqual(1);
      expect(Number(amount)).toBeLessThanOrEqual(10_000);
    }
  });

  it('measures Tallystick and networkx on the same graphs and finds the cleared totals agree to the cent', async () => {
    const { stdout } = await run(NODE, [BENCH, '--sizes', '40x300,120x1500', '--runs', '1', '--seed', '5', '--data', folder], { timeout: 120_000 });
    for (const graph of ['40 / 300', '120 / 1,500']) {
      const rows = stdout.split('\n').filter((line) => line.startsWith(`| ${graph} `));
      expect(rows.map((line) => line.split('|')[2]!.trim())).toEqual([
        'tallystick clear plan (cold CLI)', 'tallystick planClearing (in process)', 'networkx (whole process)', 'networkx network_simplex alone',
      ]);
      const cleared = new Set(rows.map((line) => line.split('|')[6]!.trim()));
      expect(cleared.size).toBe(1);
      expect([...cleared][0]).toMatch(/^\d+\.\d{2}$/u);
      expect(stdout).toContain(`cleared totals agree to the cent (${graph}): yes`);
    }
    expect(stdout).toContain('n/a (no 10,000 / 100,000 graph in --sizes)');
  });
});
