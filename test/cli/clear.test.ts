import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { networkxClearedUnits } from '../oracles/networkx.js';
import { STACK_TRACE, assertCliBuilt, makeTemporaryFolder, runTallystick, tallystickJson } from './run-tallystick.js';

/*
 * `tallystick clear plan --obligations FILE.csv` as a federation would run it before it exists: the real
 * command on real files, no data folder needed; networkx judges the cleared total.
 */

interface PlanJson {
  commodity: string;
  total: string;
  owed: string;
  fraction: string;
  obligations: { debtor: string; creditor: string; amount: string; cleared: string; remaining: string }[];
  parties: { party: string; owesBefore: string; isOwedBefore: string; cleared: string; owesAfter: string; isOwedAfter: string; netPosition: string }[];
}

let work: string;
let data: string;
beforeAll(() => {
  assertCliBuilt();
  work = makeTemporaryFolder('clear');
  data = join(work, 'no-books-here');
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

function writeFile(name: string, text: string): string {
  const path = join(work, name);
  writeFileSync(path, text);
  return path;
}

const cents = (text: string) => BigInt(text.replace('.', ''));

describe('tallystick clear plan', () => {
  it('prints a table per co-op and the total cleared, and writes nothing', async () => {
    const file = writeFile('ring.csv', 'debtor,creditor,amount\nMill,Bakery,100\nBakery,Hive,70.50\nHive,Mill,80\nHive,Bakery,12.25\n');
    const result = await runTallystick(data, ['clear', 'plan', '--obligations', file]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toBe([
      '        ||   owes  is owed  cleared  owes after  is owed after  net position',
      '========++===================================================================',
      ' Bakery ||  70.50   112.25    70.50        0.00          41.75         41.75',
      ' Hive   ||  92.25    70.50    70.50       21.75           0.00        -21.75',
      ' Mill   || 100.00    80.00    70.50       29.50           9.50        -20.00',
      '--------++-------------------------------------------------------------------',
      ' Total  || 262.75   262.75   211.50       51.25          51.25          0.00',
      '',
      'Cleared 211.50 of 262.75 owed (80.49%) among 3 co-ops and 4 obligations; every net position is unchanged.',
      '',
    ].join('\n'));
    expect(existsSync(data)).toBe(false);
  });

  it('--json: decimal strings, each obligation\'s set-off, unchanged net positions, the optimum networkx finds', async () => {
    const rows = ['A,B,120.00', 'B,C,75.10', 'C,A,60.05', 'C,D,30.00', 'D,B,45.45', 'B,A,10.00', 'A,B,5.00', 'D,A,99.99'];
    const file = writeFile('federation.csv', `${rows.join('\n')}\n`);
    const plan = await tallystickJson<PlanJson>(data, ['clear', 'plan', '--obligations', file]);
    expect(plan.obligations.map((row) => `${row.debtor},${row.creditor},${row.amount}`)).toEqual(rows);
    const [expected] = await networkxClearedUnits([rows.map((row) => {
      const [debtor, creditor, amount] = row.split(',') as [string, string, string];
      return [debtor, creditor, cents(amount)] as const;
    })]);
    expect(cents(plan.total)).toBe(expected);
    expect(plan.owed).toBe('445.59');
    expect(plan.fraction).toBe((Number(expected) / 44_559).toFixed(6));
    expect(plan.obligations.reduce((sum, row) => sum + cents(row.cleared), 0n)).toBe(cents(plan.total));
    for (const row of plan.obligations) expect(cents(row.cleared) + cents(row.remaining)).toBe(cents(row.amount));
    for (const party of plan.parties) {
      const after = cents(party.isOwedAfter) - cents(party.owesAfter);
      expect(after).toBe(cents(party.netPosition));
      expect(cents(party.isOwedBefore) - cents(party.owesBefore)).toBe(after);
    }
    expect(plan.parties.map((party) => party.party)).toEqual(['A', 'B', 'C', 'D']);
  });

  it('names the file, line and column of a malformed row, exit 1, no stack', async () => {
    const file = writeFile('bad.csv', 'debtor,creditor,amount\nA,B,10\nA,B,ten\nC,C,5\n');
    const result = await runTallystick(data, ['clear', 'plan', '--obligations', file]);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(`tallystick: ${file}:3:5: found "ten", expected an amount like 1234.50, $1234.50 or 1234.50 EUR\n`);
    const selfOwed = await runTallystick(data, ['clear', 'plan', '--obligations', writeFile('self.csv', 'A,B,10\nC,C,5\nB,A,1 EUR\n')]);
    expect(selfOwed.code).toBe(1);
    expect(selfOwed.stderr).toBe([
      `tallystick: ${join(work, 'self.csv')}:2:3: found "C" owing itself, expected a creditor other than the debtor`,
      `${join(work, 'self.csv')}:3:5: found an amount in "EUR", expected "", the commodity of the first obligation (clearing sets off debts in one commodity at a time)`,
      '',
    ].join('\n'));
    expect(result.stderr).not.toMatch(STACK_TRACE);
  });

  it('plans over a federation\'s obligations when no --obligations is given (none here), and names a missing file', async () => {
    const bare = await runTallystick(data, ['clear', 'plan']);
    expect(bare.code).toBe(1);
    expect(bare.stderr).toBe(`tallystick: no Tallystick data in ${data}: run \`tallystick init --coop NAME --member NAME\` first, or pass --data DIR\n`);
    const missing = await runTallystick(data, ['clear', 'plan', '--obligations', join(work, 'nowhere.csv')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe(`tallystick: ${join(work, 'nowhere.csv')}: no such file\n`);
    const usage = await runTallystick(data, ['clear', 'plan', '--bogus']);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain("unknown option '--bogus'");
  });
});
