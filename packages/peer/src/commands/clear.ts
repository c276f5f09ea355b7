import { readFile } from 'node:fs/promises';
import { type ClearingPlan, TallystickError, clearedFraction, planClearing, readObligationsCsv, renderClearingPlan } from '@tallystick/core';
import { type CommandContext, print } from '../context.js';

export interface ClearPlanOptions {
  obligations?: string;
  json?: boolean;
}

/**
 * `clear plan --obligations FILE.csv`: the multilateral set-off for the obligations in the file alone,
 * no federation needed (for a federation weighing clearing before it starts, and for benchmarks).
 * Nothing is written. Planning from a federation's own obligations comes with federations.
 */
export async function clearPlanCommand(context: CommandContext, options: ClearPlanOptions): Promise<void> {
  if (options.obligations === undefined) {
    throw new TallystickError('no_obligations',
      'clear plan needs --obligations FILE.csv (rows debtor,creditor,amount): planning from a federation\'s own obligations comes with federations, which do not exist yet');
  }
  const file = options.obligations;
  const plan = planClearing(readObligationsCsv(await readObligationsText(file), { file }));
  if (options.json) print(context, JSON.stringify(clearingPlanJson(plan)));
  else context.stdout.write(renderClearingPlan(plan));
}

async function readObligationsText(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new TallystickError('file_not_found', `${file}: no such file`);
    if (code === 'EISDIR') throw new TallystickError('file_not_found', `${file} is a folder, not a file`);
    throw error;
  }
}

/** `--json`: amounts as decimal strings at the plan's scale; obligations in file order, co-ops by name. */
export function clearingPlanJson(plan: ClearingPlan): object {
  const text = (value: { toString(scale?: number): string }) => value.toString(plan.scale);
  return {
    commodity: plan.commodity,
    total: text(plan.cleared),
    owed: text(plan.owed),
    fraction: clearedFraction(plan).toString(),
    obligations: plan.obligations.map(({ obligation, cleared, remaining }) => ({
      debtor: obligation.debtor,
      creditor: obligation.creditor,
      amount: text(obligation.amount.quantity),
      cleared: text(cleared),
      remaining: text(remaining),
    })),
    parties: plan.parties.map((party) => ({
      party: party.party,
      owesBefore: text(party.owesBefore),
      isOwedBefore: text(party.isOwedBefore),
      cleared: text(party.cleared),
      owesAfter: text(party.owesAfter),
      isOwedAfter: text(party.isOwedAfter),
      netPosition: text(party.netPosition),
    })),
  };
}
