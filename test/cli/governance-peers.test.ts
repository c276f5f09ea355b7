import { cpSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CoopStore, DataFolder, unlockDeviceKeyFile } from '../../packages/sync/src/index.js';
import { CliProcess, killAllCliProcesses } from '../helpers/cli-process.js';
import { PASSPHRASE, STACK_TRACE, assertCliBuilt, makeTemporaryFolder, runTallystick, tallystickJson, tallystickOk } from './run-tallystick.js';

/*
 * Issue 3's scenario on real storage and real peers (separate processes, libp2p on 127.0.0.1): a co-op
 * grows to three members by vote, invites and admits a fourth by a majority of three, then revokes the
 * fourth's device. Its earlier entry stands on every device; afterwards the device is refused at the
 * connection and gets nothing; and an entry it makes knowing of its revocation, carried in by other
 * means (its storage copied over), is listed as device_revoked and counted nowhere.
 * Every vote travels: a member's device syncs to see the proposal, votes, and syncs again.
 */

const LOOPBACK = ['--listen', '/ip4/127.0.0.1/tcp/0'];

let root: string;
let anaPeer: CliProcess;
let code: string;
const folders: Record<string, string> = {};
const keys: Record<string, string> = {};

beforeAll(async () => {
  assertCliBuilt();
  root = makeTemporaryFolder('governance-peers');
  for (const name of ['Ana', 'Bea', 'Cy', 'Dan']) folders[name] = join(root, name.toLowerCase());
  await tallystickOk(folders.Ana!, ['init', '--coop', 'Riverside', '--member', 'Ana']);
  anaPeer = new CliProcess(folders.Ana!, ['peer', ...LOOPBACK], PASSPHRASE);
  await anaPeer.address();
  code = (await tallystickOk(folders.Ana!, ['invite'])).trim();
});

afterAll(async () => {
  await killAllCliProcesses();
  rmSync(root, { recursive: true, force: true });
});

/**
 * A member's device votes as a member away from the office would: sync until it sees the proposal with the
 * votes cast so far (the office's peer picks up its own CLI's writes within a moment), vote, sync back.
 */
async function voteFrom(name: string, proposal: string, votesBefore = 0): Promise<string> {
  if (name !== 'Ana') {
    for (let attempt = 0; ; attempt += 1) {
      await tallystickOk(folders[name]!, ['sync']);
      const seen = (await tallystickJson<{ id: string; yes: number }[]>(folders[name]!, ['proposals'])).find((item) => item.id.startsWith(proposal));
      if (seen && seen.yes >= votesBefore) break;
      if (attempt === 20) throw new Error(`${name} never saw proposal ${proposal} with ${votesBefore} yes votes`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
  const said = await tallystickOk(folders[name]!, ['vote', proposal, 'yes']);
  if (name !== 'Ana') {
    const mark = anaPeer.output.length;
    await tallystickOk(folders[name]!, ['sync']);
    await anaPeer.waitFor(/saved: /u, mark);
  }
  return said;
}

async function propose(args: string[]): Promise<string> {
  return /^Proposed ([0-9a-f]+):/mu.exec(await tallystickOk(folders.Ana!, ['propose', ...args]))![1]!;
}

/** A new device asks to join (refused, printing its key), is proposed and voted in by `voters`, then joins. */
async function admit(name: string, voters: readonly string[]): Promise<void> {
  const refused = await runTallystick(folders[name]!, ['join', code]);
  expect(refused.code).toBe(1);
  expect(refused.stderr).not.toMatch(STACK_TRACE);
  keys[name] = /This device's key: ([0-9a-f]{64})/u.exec(refused.stdout)![1]!;
  const proposal = await propose(['add-member', name, '--device', keys[name]!]);
  for (const [index, voter] of voters.entries()) {
    const said = await voteFrom(voter, proposal, index);
    expect(said).toMatch(index === voters.length - 1 ? /the proposal is adopted/u : /the proposal is pending/u);
  }
  expect(await tallystickOk(folders[name]!, ['join', '--wait', code])).toContain('Joined co-op "Riverside"');
}

/**
 * The fourth member comes by a named invite: its code carries a one-time secret; the new device's join
 * request (bound to its key by that secret) is redeemed on the inviting device, which proposes and votes.
 */
async function admitByInvite(name: string, otherVoters: readonly string[]): Promise<void> {
  const invite = (await tallystickOk(folders.Ana!, ['invite', '--member', name])).trim();
  const refused = await runTallystick(folders[name]!, ['join', invite]);
  expect(refused.code).toBe(1);
  expect(refused.stderr).toContain('tallystick admit REQUEST');
  keys[name] = /This device's key: ([0-9a-f]{64})/u.exec(refused.stdout)![1]!;
  const request = /(tallystick-join-request:\S+)/u.exec(refused.stdout)![1]!;
  // A request whose key was swapped does not match the invite's secret.
  const forged = await runTallystick(folders.Ana!, ['admit', request.replace(/.$/u, (last) => (last === 'A' ? 'B' : 'A'))]);
  expect(forged.code).toBe(1);
  expect(forged.stderr).toMatch(/no invite made on this device matches|not a Tallystick join request/u);
  expect(await tallystickOk(folders.Ana!, ['admit', request])).toMatch(new RegExp(`Proposed [0-9a-f]{12}: add member ${name}[\\s\\S]*Voted yes`, 'u'));
  const again = await runTallystick(folders.Ana!, ['admit', request]);
  expect(again.code).toBe(1);
  expect(again.stderr).toContain(`the invite for ${name} was used already`);
  const proposal = (await tallystickJson<{ id: string; action: { kind: string; name?: string } }[]>(folders.Ana!, ['proposals'])).filter((item) => item.action.kind === 'add-member' && item.action.name === name).at(-1)!.id;
  for (const [index, voter] of otherVoters.entries()) {
    expect(await voteFrom(voter, proposal, index + 1)).toMatch(index === otherVoters.length - 1 ? /the proposal is adopted/u : /the proposal is pending/u);
  }
  expect(await tallystickOk(folders[name]!, ['join', '--wait', invite])).toContain('Joined co-op "Riverside"');
}

describe('a co-op of three admits a fourth by vote and revokes a device, over real peers', () => {
  it('grows to three, admits Dan by a majority of three, and every device sees the same roster', async () => {
    await admit('Bea', ['Ana']);
    await admit('Cy', ['Ana', 'Bea']);
    await tallystickOk(folders.Cy!, ['sync']);
    await admitByInvite('Dan', ['Cy']); // Ana's vote comes with admit; with Cy's, 2 of 3: a majority
    for (const name of ['Bea', 'Cy', 'Dan']) await tallystickOk(folders[name]!, ['sync']);
    for (const name of ['Ana', 'Bea', 'Cy', 'Dan']) {
      const members = await tallystickJson<{ name: string; removed: boolean }[]>(folders[name]!, ['members']);
      expect(members.map((member) => member.name).sort()).toEqual(['Ana', 'Bea', 'Cy', 'Dan']);
    }
  }, 90_000);

  it('revokes Dan\'s device: his earlier entry stands everywhere, the device is refused after, and a later one is rejected', async () => {
    await tallystickOk(folders.Dan!, ['add', '--date', '2025-06-01', '--description', 'Dan before', '-p', 'Expenses:Seeds  12.00 USD', '-p', 'Assets:Cash']);
    let mark = anaPeer.output.length;
    await tallystickOk(folders.Dan!, ['sync']);
    await anaPeer.waitFor(/saved: .*period 2025-06/u, mark);

    const revocation = await propose(['revoke-device', 'Dan', keys.Dan!]);
    await voteFrom('Ana', revocation);
    expect(await voteFrom('Bea', revocation, 1)).toMatch(/the proposal is pending/u); // 2 of 4 is not a majority
    mark = anaPeer.output.length;
    expect(await voteFrom('Cy', revocation, 2)).toMatch(/the proposal is adopted/u);
    await anaPeer.waitFor(/roster: 4 members, 3 devices admitted/u, mark);

    // Refused at the connection: nothing goes either way.
    const refused = await runTallystick(folders.Dan!, ['sync']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('not an active device of a member');
    expect(refused.stderr).not.toMatch(STACK_TRACE);
    for (const name of ['Ana', 'Bea']) {
      expect(await tallystickOk(folders[name]!, ['register', '--json'])).toContain('Dan before');
      expect((await runTallystick(folders[name]!, ['rejected'])).code).toBe(0);
    }

    // Dan's device learns of its revocation (the office's storage copied onto it): the CLI then refuses to write...
    expect(await anaPeer.stop()).toBe(0);
    cpSync(join(folders.Ana!, 'storage', 'docs'), join(folders.Dan!, 'storage', 'docs'), { recursive: true, force: false });
    const refusedAdd = await runTallystick(folders.Dan!, ['add', '--date', '2025-06-02', '--description', 'Dan after', '-p', 'Expenses:Seeds  99.00 USD', '-p', 'Assets:Cash']);
    expect(refusedAdd.code).toBe(1);
    expect(refusedAdd.stderr).toMatch(/may not write to the books of Riverside: it was Dan's device and the members revoked it/u);
    // ...so a hostile client signs one anyway, naming the revocation in its basis, and it is carried back as files.
    const store = await CoopStore.open(await DataFolder.open(folders.Dan!));
    const signer = await unlockDeviceKeyFile(join(folders.Dan!, 'device-key.json'), PASSPHRASE);
    const [forged] = store.signEntries([{ kind: 'transaction', payload: {
      date: '2025-06-02', status: '', description: 'Dan after', tags: [], links: [], metadata: {},
      postings: [{ account: 'Expenses:Seeds', amount: ['USD', '99.00'] }, { account: 'Assets:Cash', amount: ['USD', '-99.00'] }],
    } }], signer, new Date());
    await store.appendEntries([forged!]);
    await store.close();
    cpSync(join(folders.Dan!, 'storage', 'docs'), join(folders.Ana!, 'storage', 'docs'), { recursive: true, force: false });

    const rejected = await runTallystick(folders.Ana!, ['rejected', '--json']);
    expect(rejected.code).toBe(1);
    expect(JSON.parse(rejected.stdout)).toEqual([expect.objectContaining({ id: forged!.id, code: 'device_revoked' })]);
    const register = await tallystickOk(folders.Ana!, ['register', 'Expenses:Seeds', '--json']);
    expect(register).toContain('Dan before');
    expect(register).not.toContain('Dan after');
    const audit = await runTallystick(folders.Ana!, ['audit']);
    expect(audit.code).toBe(1);
    expect(audit.stdout).toMatch(/device_revoked/u);
  }, 90_000);
});
