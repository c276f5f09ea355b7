import { type Entry, type EntryId } from '../entry.js';
import { assert } from '../errors.js';
import { type GovernanceHistory } from '../governance/derive-roster.js';
import { type GenesisJson } from '../payloads.js';
import { grantsOf } from './grants.js';
import { judgeTimebank } from './judge-timebank.js';
import { type TimebankLedger } from './ledger.js';
import { type TimebankBook } from './records.js';

/** The time bank of a co-op, from its governance history and its time-bank entries (materialize calls this). */
export function materializeTimebank(governance: GovernanceHistory, genesis: GenesisJson, entries: readonly Entry[]): { book: TimebankBook; rejected: TimebankLedger['rejected'] } {
  const heads = governance.headIds();
  const roster = governance.rosterStateAt(heads);
  assert(roster !== undefined, 'materializeTimebank: the heads of the governance history do not resolve');
  const times = new Map<EntryId, string>(governance.order.map((entry) => [entry.id, entry.body.at]));
  const grants = grantsOf(genesis, governance.changes(), (id) => {
    const at = times.get(id);
    assert(at !== undefined, 'materializeTimebank: a roster change decided by an entry that does not count');
    return at;
  });
  return judgeTimebank({
    entries,
    rosterAt: (entry) => governance.rosterStateAt(entry.body.basis) ?? rejectionOf(governance.checkAuthor(entry.body.basis, entry.body.author, entry.body.kind)),
    roster, heads, grants,
  });
}

function rejectionOf(check: ReturnType<GovernanceHistory['checkAuthor']>): { code: string; reason: string } {
  assert(!check.ok, 'materializeTimebank: a basis without a roster passed the author check');
  return { code: check.code, reason: check.reason };
}
