import { readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CoopStore, DataFolder, type NewEntry, unlockDeviceKeyFile } from '../../packages/sync/src/index.js';
import { writeAs } from '../helpers/write-as.js';
import { PASSPHRASE, STACK_TRACE, assertCliBuilt, makeTemporaryFolder, runTallystick, snapshotBooks, tallystickJson, tallystickOk } from './run-tallystick.js';

/*
 * Governance with the real `tallystick` command on real data folders: a co-op founded by Ana alone
 * (majority rule) admits Bea by vote, then revokes Bea's device; what Bea's device wrote before the
 * revocation stands and what it wrote after does not. Bea's device lives in a second data folder (its
 * `init` makes the key); until replication exists (issue 4), the test signs Bea's entries into Ana's
 * folder through CoopStore, as a peer's documents would bring them.
 */

let root: string;
let ana: string;
let bea: string;
let stranger: string;
let beaKey: string;
beforeAll(async () => {
  assertCliBuilt();
  root = makeTemporaryFolder('governance');
  ana = join(root, 'ana');
  bea = join(root, 'bea');
  stranger = join(root, 'stranger');
  await tallystickOk(ana, ['init', '--coop', 'Riverside', '--member', 'Ana']);
  await tallystickOk(bea, ['init', '--coop', 'Bea at home', '--member', 'Bea']);
  await tallystickOk(stranger, ['init', '--coop', 'Elsewhere', '--member', 'Sam']);
  beaKey = (await tallystickJson<{ device: string }>(bea, ['whoami'])).device;
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

const run = (...args: string[]) => runTallystick(ana, args);
const ok = (...args: string[]) => tallystickOk(ana, args);
const json = <T>(...args: string[]) => tallystickJson<T>(ana, args);

interface ProposalJson {
  id: string;
  status: string;
  action: { kind: string };
  yes: number;
  no: number;
  electorate: string[];
  votes: { member: string; choice: string; status: string }[];
}


function transaction(date: string, description: string): NewEntry<'transaction'> {
  return {
    kind: 'transaction',
    payload: {
      date, status: '', description, tags: [], links: [], metadata: {},
      postings: [{ account: 'expenses:supplies', amount: ['EUR', '10.00'] }, { account: 'assets:cash', amount: ['EUR', '-10.00'] }],
    },
  };
}

async function latestProposal(): Promise<ProposalJson> {
  const proposals = await json<ProposalJson[]>('proposals');
  return proposals[proposals.length - 1]!;
}

describe('tallystick governance on one data folder', () => {
  it('whoami prints this device\'s key, member, role and rights', async () => {
    const me = await json<{ device: string; member: string; role: string; standing: string; may: string[] }>('whoami');
    expect(me).toMatchObject({ member: 'Ana', role: 'member', standing: 'active' });
    expect(me.device).toMatch(/^[0-9a-f]{64}$/u);
    expect(me.device).not.toBe(beaKey);
    expect(me.may).toContain('vote');
    expect(await ok('whoami')).toContain(`device  ${me.device}`);
  });

  it('a proposal to add Bea, once voted, admits her; members and devices show her', async () => {
    expect(await ok('propose', 'add-member', 'Bea', '--device', beaKey, '--note', 'our new baker')).toMatch(/^Proposed [0-9a-f]{12}: add member Bea/u);
    const proposal = await latestProposal();
    expect(proposal).toMatchObject({ status: 'pending', action: { kind: 'add-member' }, electorate: ['Ana'], yes: 0 });
    expect(await ok('vote', proposal.id.slice(0, 8), 'yes')).toContain('the proposal is adopted');
    expect((await latestProposal()).votes).toEqual([expect.objectContaining({ member: 'Ana', choice: 'yes', status: 'counted' })]);
    const members = await json<{ name: string; removed: boolean }[]>('members');
    expect(members.map((member) => [member.name, member.removed])).toEqual([['Ana', false], ['Bea', false]]);
    expect(await ok('members')).toMatch(/Bea {2}role member/u);
    expect(await json<{ member: string; device: string; status: string }[]>('devices')).toContainEqual({ member: 'Bea', device: beaKey, status: 'active' });
  });

  it('audit passes a clean book', async () => {
    const result = await run('audit');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('OK: nothing rejected');
    expect(result.stdout).toMatch(/applied {4}add member Bea/u);
  });

  it('bad input is refused with a clear message and exit 1, nothing written', async () => {
    const before = snapshotBooks(ana);
    const cases: [string[], RegExp][] = [
      [['vote', 'abcdef12', 'yes'], /no proposal has an id starting abcdef12/u],
      [['vote', 'zz', 'yes'], /is not a proposal id/u],
      [['vote', (await latestProposal()).id.slice(0, 12), 'yes'], /it is adopted already/u],
      [['vote', (await latestProposal()).id.slice(0, 12), 'maybe'], /a vote is yes or no/u],
      [['propose', 'add-device', 'Ana', 'not-a-key'], /"not-a-key" is not a device key: expected 64 hex digits/u],
      [['propose', 'add-member', 'Cy'], /needs --device KEY/u],
      [['propose', 'add-device', 'Ana', beaKey], /would not count this proposal \(invalid_proposal: .*already a device of Bea/u],
      [['propose', 'remove-member', 'Zed'], /Zed is not a member/u],
      [['propose', 'replace-device', 'Ana', beaKey, '1'.repeat(64)], /is not a device of Ana/u],
      [['propose', 'replace-device', 'Ana', beaKey], /replace-device takes MEMBER OLD-KEY NEW-KEY/u],
      [['propose', 'set-rule', 'quorum:5'], /quorum of 5/u],
      [['propose', 'set-rule', 'most'], /is not a decision rule/u],
      [['propose', 'lock', '2024-01-01', '--deadline', '2001-01-01T00:00:00Z'], /not in the future/u],
      [['propose', 'elect', 'Ana'], /unknown proposal "elect"/u],
    ];
    for (const [args, message] of cases) {
      const result = await run(...args);
      expect({ args, code: result.code }).toEqual({ args, code: 1 });
      expect(result.stderr).toMatch(message);
      expect(result.stderr).not.toMatch(STACK_TRACE);
    }
    expect(snapshotBooks(ana)).toEqual(before);
  });

  it('revoking Bea\'s device: her earlier entry stands, one written after the revocation is rejected', async () => {
    const [earlier] = await writeAs(bea, ana, [transaction('2024-03-01', 'Supplies bought by Bea before')]);
    await ok('propose', 'revoke-device', 'Bea', beaKey, '--note', 'laptop lost');
    const revocation = await latestProposal();
    expect(revocation).toMatchObject({ status: 'pending', electorate: ['Ana', 'Bea'] });
    expect(await ok('vote', revocation.id.slice(0, 10), 'yes')).toContain('1 yes, 0 no of 2; the proposal is pending');
    const before = snapshotBooks(ana);
    const again = await run('vote', revocation.id.slice(0, 10), 'yes');
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('Ana already voted yes; nothing was written');
    expect(snapshotBooks(ana)).toEqual(before);
    // Bea's own vote, from her device, decides it (2 of 2 > half).
    await writeAs(bea, ana, [{ kind: 'vote', payload: { proposal: revocation.id, choice: 'yes' } }]);
    expect(await latestProposal()).toMatchObject({ status: 'adopted', yes: 2 });
    expect(await json<{ member: string; device: string; status: string }[]>('devices')).toContainEqual({ member: 'Bea', device: beaKey, status: 'revoked' });

    const [later] = await writeAs(bea, ana, [transaction('2024-03-02', 'Supplies bought with the lost laptop')]);
    const rejected = await runTallystick(ana, ['rejected', '--json']);
    expect(rejected.code).toBe(1);
    expect(JSON.parse(rejected.stdout)).toEqual([expect.objectContaining({ id: later, code: 'device_revoked' })]);
    const register = await json<{ transaction: string | null }[]>('register', 'supplies');
    expect(register.map((row) => row.transaction)).toEqual([earlier]);
    const members = await runTallystick(ana, ['members']);
    expect(members.stderr).toContain('1 entry in the documents does not count');

    const audit = await run('audit', '--json');
    expect(audit.code).toBe(1);
    expect(JSON.parse(audit.stdout)).toMatchObject({ ok: false, rejected: [{ id: later, code: 'device_revoked' }] });
  });

  it('audit fails on an entry signed by a key no member has', async () => {
    const folder = makeTemporaryFolder('governance-audit');
    try {
      await tallystickOk(folder, ['init', '--coop', 'Small', '--member', 'Ana']);
      expect((await runTallystick(folder, ['audit'])).code).toBe(0);
      const signer = await unlockDeviceKeyFile(join(stranger, 'device-key.json'), PASSPHRASE);
      const store = await CoopStore.open(await DataFolder.open(folder));
      try {
        await store.appendEntries(store.signEntries([transaction('2024-05-01', 'Forged')], signer, new Date()));
      } finally {
        await store.close();
      }
      const audit = await runTallystick(folder, ['audit']);
      expect(audit.code).toBe(1);
      expect(audit.stdout).toMatch(/REJECTED: 1 entry does not count:\n.*not_a_member_device/u);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });

  it('audit fails when a byte of the stored documents is flipped', async () => {
    const folder = makeTemporaryFolder('governance-tamper');
    try {
      await tallystickOk(folder, ['init', '--coop', 'Small', '--member', 'Ana']);
      await tallystickOk(folder, ['add', '-d', '2024-01-02', '--description', 'Opening', '-p', 'assets:bank  5.00 EUR', '-p', 'equity:opening']);
      expect((await runTallystick(folder, ['audit'])).code).toBe(0);
      const chunk = largestFile(join(folder, 'storage'));
      const bytes = readFileSync(chunk);
      bytes[bytes.length - 20] = bytes[bytes.length - 20]! ^ 0xff;
      writeFileSync(chunk, bytes);
      const audit = await runTallystick(folder, ['audit']);
      expect(audit.code).not.toBe(0);
      expect(`${audit.stdout}${audit.stderr}`).toMatch(/DAMAGED|REJECTED|cannot be read/u);
      expect(audit.stderr).not.toMatch(STACK_TRACE);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });

  it('init takes roles and a rule, checked as the core checks a genesis', async () => {
    const folder = makeTemporaryFolder('governance-init');
    try {
      await tallystickOk(folder, ['init', '--coop', 'Roles', '--member', 'Ana', '--role', 'steward=books,vote', '--role', 'clerk=books', '--rule', 'unanimity']);
      expect(await tallystickJson<{ role: string; may: string[] }>(folder, ['whoami'])).toMatchObject({ role: 'steward', may: ['books', 'vote'] });
      expect(await tallystickOk(folder, ['members'])).toContain('decisions by every member who may vote');
      const bad = await runTallystick(folder, ['init', '--coop', 'NoVoters', '--member', 'Ana', '--role', 'clerk=books']);
      expect(bad.code).toBe(1);
      expect(bad.stderr).toContain('no member may vote');
      const badPermission = await runTallystick(folder, ['init', '--coop', 'X', '--member', 'Ana', '--role', 'boss=everything']);
      expect(badPermission.code).toBe(1);
      expect(badPermission.stderr).toContain('is not a role');
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });

  it('--help describes each new command', async () => {
    for (const command of ['whoami', 'members', 'devices', 'proposals', 'propose', 'vote', 'audit']) {
      const help = await run(command, '--help');
      expect(help.code).toBe(0);
      expect(help.stdout).toContain(`Usage: tallystick ${command}`);
    }
    expect((await run('propose', '--help')).stdout).toContain('--deadline');
    expect((await run('init', '--help')).stdout).toContain('--rule');
  });
});

function largestFile(directory: string): string {
  let best = { path: '', size: -1 };
  const visit = (folder: string) => {
    for (const name of readdirSync(folder)) {
      const path = join(folder, name);
      const stats = statSync(path);
      if (stats.isDirectory()) visit(path);
      else if (stats.size > best.size) best = { path, size: stats.size };
    }
  };
  visit(directory);
  return best.path;
}
