import { readFile } from 'node:fs/promises';
import {
  type ClearingPlan, TallystickError, clearedFraction, instantKey, excludedFromClearing, planClearing, planFederationClearing, readObligationsCsv, renderClearingPlan, setOffsOf,
} from '@tallystick/core';
import { type CommandContext, print } from '../context.js';
import { idByPrefix, nameOf, withFederation, writeFederationEntries } from '../credit-session.js';
import { deadlineOf } from './governance-write.js';

export interface ClearPlanOptions {
  obligations?: string;
  json?: boolean;
}

/**
 * `clear plan`: the multilateral set-off over the federation's current obligations (leaving out the
 * co-ops that declined the last proposal), or, with `--obligations FILE.csv`, for the obligations in
 * the file alone, no federation needed (for a federation weighing clearing before it starts, and for
 * benchmarks). Nothing is written.
 */
export async function clearPlanCommand(context: CommandContext, options: ClearPlanOptions): Promise<void> {
  if (options.obligations === undefined) {
    await withFederation(context, async (session) => {
      const { federation } = session.federation.read();
      const excluded = excludedFromClearing(federation);
      const plan = planFederationClearing(federation, excluded);
      if (!plan) throw new TallystickError('no_obligations', `no co-op of federation "${federation.name}" owes another${excluded.length > 0 ? ` (leaving out ${excluded.map((id) => nameOf(federation, id)).join(', ')}, who declined the last clearing)` : ''}: there is nothing to clear`);
      if (options.json) print(context, JSON.stringify({ ...clearingPlanJson(plan), excluded: excluded.map((id) => nameOf(federation, id)) }));
      else {
        if (excluded.length > 0) print(context, `Leaving out ${excluded.map((id) => nameOf(federation, id)).join(', ')}, who declined the last clearing.`);
        context.stdout.write(renderClearingPlan(plan));
      }
    });
    return;
  }
  const file = options.obligations;
  const plan = planClearing(readObligationsCsv(await readObligationsText(file), { file }));
  if (options.json) print(context, JSON.stringify(clearingPlanJson(plan)));
  else context.stdout.write(renderClearingPlan(plan));
}

/** `clear propose`: the plan, as a proposal each involved co-op consents to or declines; proposing is this co-op's consent. */
export async function clearProposeCommand(context: CommandContext, options: { deadline?: string }): Promise<void> {
  await withFederation(context, async (session) => {
    const before = session.federation.read().federation;
    // A pending proposal past its deadline expires with the next entry: this proposal.
    const pending = before.clearings.find((clearing) => clearing.status === 'pending' && instantKey(clearing.deadline) >= instantKey(context.now().toISOString()));
    if (pending) throw new TallystickError('clearing_pending', `clearing ${pending.id.slice(0, 12)} is still waiting for consent (until ${pending.deadline}); nothing was written`);
    const plan = planFederationClearing(before);
    const setOffs = plan ? setOffsOf(before, plan) : [];
    if (setOffs.length === 0) throw new TallystickError('nothing_to_clear', `no debt of federation "${before.name}" can be cleared now (no cycle of debts); nothing was written`);
    const { written, federation } = await writeFederationEntries(session, [{
      kind: 'clearing-proposal',
      payload: { setOffs: setOffs.map((item) => ({ debtor: item.debtor, creditor: item.creditor, amount: item.amount.toString() })), deadline: deadlineOf(options.deadline, context.now()) },
    }]);
    const clearing = federation.clearings.find((item) => item.id === written[0]!.id)!;
    print(context, `Proposed clearing ${clearing.id.slice(0, 12)}: ${plan!.cleared.toString(federation.unit.scale)} ${federation.unit.commodity} of debt set off among ${clearing.involved.map((id) => nameOf(federation, id)).sort().join(', ')}, until ${clearing.deadline}.`);
    // Names, sorted: co-op ids are random, so their order would differ from run to run.
    const waiting = clearing.involved.filter((id) => !clearing.consented.includes(id)).map((id) => nameOf(federation, id)).sort();
    if (waiting.length > 0) print(context, `Waiting for ${waiting.join(', ')} to consent (\`tallystick clear consent ${clearing.id.slice(0, 12)}\`).`);
  });
}

export async function clearAnswerCommand(context: CommandContext, id: string, consent: boolean): Promise<void> {
  await withFederation(context, async (session) => {
    const proposal = idByPrefix(session.federation.read().federation.clearings, id, 'clearing');
    const { federation } = await writeFederationEntries(session, [{ kind: consent ? 'clearing-consent' : 'clearing-decline', payload: { proposal: proposal.id } }]);
    const clearing = federation.clearings.find((item) => item.id === proposal.id)!;
    print(context, `${consent ? 'Consented to' : 'Declined'} clearing ${proposal.id.slice(0, 12)} for ${session.store.name}: it is ${clearing.status}${clearing.reason ? ` (${clearing.reason})` : ''}.`);
    if (clearing.status === 'applied') print(context, 'Applied on every replica that holds these entries; the set-offs are posted to the books.');
    if (!consent) print(context, 'A new plan (`tallystick clear plan`) leaves this co-op out.');
  });
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
