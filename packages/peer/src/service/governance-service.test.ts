import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../main.js';
import { createBookService } from './book-service.js';
import { yesNeeded } from './governance-service.js';
import type { BookApi, ServiceResult } from './protocol.js';

/* The Members and votes handlers over a real data folder made with the CLI: one founding member, majority rule. */

const scratch = mkdtempSync(join(tmpdir(), 'tallystick-governance-service-'));
const dataDir = join(scratch, 'books');
const env = { TALLYSTICK_PASSPHRASE: 'governance-test-passphrase' };
const now = () => new Date('2024-02-01T12:00:00Z');
let service: BookApi;

async function cli(...args: string[]): Promise<string> {
  const chunks: string[] = [];
  const sink = new Writable({ write(chunk: Buffer, _encoding, callback) { chunks.push(chunk.toString()); callback(); } });
  expect(await main(['node', 'tallystick', '--data', dataDir, ...args], { stdout: sink, stderr: sink, env, now })).toBe(0);
  return chunks.join('');
}

function value<T>(result: ServiceResult<T>): T {
  if (!result.ok) throw new Error(`service failed: ${result.error.message}`);
  return result.value;
}

beforeAll(async () => {
  await cli('init', '--coop', 'Vote Co-op', '--member', 'Ana');
  service = createBookService({ dataDir, env, now, log: () => undefined });
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('governance through the service', () => {
  it('reads the roster and the rule as `members` does', async () => {
    const governance = value(await service.governance());
    expect(governance).toMatchObject({ rule: 'a majority of the members who may vote', thisMember: 'Ana', mayPropose: true, proposals: [] });
    expect(governance.members).toHaveLength(1);
    expect(governance.members[0]).toMatchObject({ name: 'Ana', removed: false });
    expect(governance.members[0]!.may).toContain('vote');
    expect(governance.members[0]!.devices).toEqual([{ key: expect.stringMatching(/^[0-9a-f]{64}$/u), revoked: false, thisDevice: true }]);
    expect(await cli('members')).toContain(governance.rule);
  });

  it('proposes a lock, votes it in, and refuses a second vote and bad proposals in words', async () => {
    const proposed = value(await service.propose({ action: 'lock', through: '2024-01-31' }));
    expect(proposed.message).toMatch(/^Proposed [0-9a-f]{12}: lock the books through 2024-01-31; votes until 2024-02-08T12:00:00\.000Z\.$/u);
    const pending = value(await service.governance()).proposals;
    expect(pending).toHaveLength(1);
    expect(pending[0]).toMatchObject({ action: 'lock the books through 2024-01-31', proposer: 'Ana', status: 'pending', yes: 0, no: 0, needed: 1, electorate: ['Ana'], mayVote: true, votes: [] });
    const voted = value(await service.vote({ proposalId: pending[0]!.id.slice(0, 8), choice: 'yes' }));
    expect(voted.message).toContain('the proposal is adopted');
    const adopted = value(await service.governance());
    expect(adopted.lockedThrough).toBe('2024-01-31');
    expect(adopted.proposals[0]).toMatchObject({ status: 'adopted', yes: 1, mayVote: false, votes: [{ member: 'Ana', choice: 'yes', status: 'counted' }] });
    expect(value(await service.overview()).lockedThrough).toBe('2024-01-31');
    expect(await service.vote({ proposalId: pending[0]!.id, choice: 'no' })).toEqual({
      ok: false, error: { code: 'proposal_decided', message: `Cannot vote on ${pending[0]!.id.slice(0, 12)}: it is adopted already; nothing was written` },
    });
    expect(await service.propose({ action: 'set-rule', rule: 'most' })).toMatchObject({ ok: false, error: { code: 'invalid_rule', message: expect.stringMatching(/^"most" is not a decision rule/u) } });
    expect(await service.propose({ action: 'lock', through: '' })).toMatchObject({ ok: false, error: { code: 'invalid_request' } });
    expect(await service.propose({ action: 'remove-member' } as never)).toMatchObject({ ok: false, error: { code: 'invalid_request' } });
    expect(await service.vote({ proposalId: 'abcd', choice: 'maybe' } as never)).toMatchObject({ ok: false, error: { code: 'invalid_request' } });
    expect(value(await service.governance()).proposals).toHaveLength(1);
  });

  it('proposes a rule change the CLI then lists', async () => {
    value(await service.propose({ action: 'set-rule', rule: 'unanimity' }));
    const [, rule] = value(await service.governance()).proposals;
    expect(rule).toMatchObject({ action: 'decide by unanimity', status: 'pending', needed: 1 });
    expect(await cli('proposals')).toContain('decide by unanimity');
  });

  it('counts the yes votes each rule needs', () => {
    expect([1, 2, 3, 4].map((size) => yesNeeded({ kind: 'majority' }, size))).toEqual([1, 2, 2, 3]);
    expect(yesNeeded({ kind: 'quorum', yes: 3 }, 5)).toBe(3);
    expect(yesNeeded({ kind: 'unanimity' }, 4)).toBe(4);
  });
});
