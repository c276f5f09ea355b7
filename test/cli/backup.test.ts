import { existsSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CliProcess, killAllCliProcesses } from '../helpers/cli-process.js';
import { chunkFiles, damage } from '../helpers/storage-files.js';
import { type CliResult, PASSPHRASE, STACK_TRACE, assertCliBuilt, makeTemporaryFolder, runTallystick, tallystickJson, tallystickOk } from './run-tallystick.js';

/*
 * Backup, restore, damaged storage and replication progress (issue 4) with the real `tallystick` command
 * on real folders and real peers on 127.0.0.1: Ana's office machine runs `tallystick peer`; Bea's laptop
 * joined by invite. Bea backs up; a new machine restores Bea's backup and catches up with what Ana wrote
 * after it; damaged month files are refused loudly and recovered from Ana's peer or from the backup; every
 * error of a backup file (wrong passphrase, cut short, damaged, not a backup) writes nothing.
 */

const LOOPBACK = ['--listen', '/ip4/127.0.0.1/tcp/0', '--listen', '/ip4/127.0.0.1/tcp/0/ws'];

let root: string;
let ana: string;
let bea: string;
let anaPeer: CliProcess;
let code: string;
let beaKey: string;
let backupFile: string;
let balancesAtBackup: Record<string, string>;

const flat = async (dataDir: string) => Object.fromEntries((await tallystickJson<{ account: string; amount: string; commodity: string }[]>(dataDir, ['balance', '--flat']))
  .map((row) => [row.account, `${row.amount} ${row.commodity}`]));

interface StatusJson {
  device: string;
  documents: { documentId: string; label: string; present: boolean; bytes: number }[];
  replication: { documentsListed: number; documentsHere: number; bytesHere: number; complete: boolean };
  damaged: { documentId: string; was: string; quarantinedAs: string }[];
}

/** Runs with another passphrase than the folders were made with. */
async function runWithPassphrase(dataDir: string, args: readonly string[], passphrase: string): Promise<CliResult> {
  const run = new CliProcess(dataDir, args, passphrase);
  const exitCode = await run.exited;
  return { code: exitCode ?? -1, stdout: run.output, stderr: run.output };
}

function expectRefused(result: CliResult, message: string | RegExp): void {
  expect(result.code, result.stderr).toBe(1);
  if (typeof message === 'string') expect(result.stderr).toContain(message);
  else expect(result.stderr).toMatch(message);
  expect(result.stderr).not.toMatch(STACK_TRACE);
}

async function monthDocument(dataDir: string, month: string): Promise<string> {
  const status = await tallystickJson<StatusJson>(dataDir, ['status']);
  return status.documents.find((document) => document.label === `period ${month}`)!.documentId;
}

beforeAll(async () => {
  assertCliBuilt();
  root = makeTemporaryFolder('backup');
  ana = join(root, 'ana');
  bea = join(root, 'bea');
  backupFile = join(root, 'bea.tallystick-backup');
  await tallystickOk(ana, ['init', '--coop', 'Riverside', '--member', 'Ana', '--rule', 'quorum:1']);
  await tallystickOk(ana, ['add', '--date', '2025-03-01', '--description', 'Flour', '-p', 'Expenses:Flour  40.00 USD', '-p', 'Assets:Cash']);
  await tallystickOk(ana, ['add', '--date', '2025-04-02', '--description', 'Rent', '-p', 'Expenses:Rent  100.00 USD', '-p', 'Assets:Bank']);
  anaPeer = new CliProcess(ana, ['peer', ...LOOPBACK], PASSPHRASE);
  await anaPeer.address();
  code = (await tallystickOk(ana, ['invite'])).trim();
  const first = await runTallystick(bea, ['join', code]);
  expect(first.code).toBe(1);
  beaKey = /This device's key: ([0-9a-f]{64})/u.exec(first.stdout)![1]!;
  const mark = anaPeer.output.length;
  const id = /^Proposed ([0-9a-f]+):/mu.exec(await tallystickOk(ana, ['propose', 'add-member', 'Bea', '--device', beaKey]))![1]!;
  await tallystickOk(ana, ['vote', id, 'yes']);
  await anaPeer.waitFor(/roster: 2 members, 2 devices admitted/u, mark);
  expect(await tallystickOk(bea, ['join', code])).toContain('Joined co-op "Riverside"');
}, 60_000);

afterAll(async () => {
  await killAllCliProcesses();
  rmSync(root, { recursive: true, force: true });
});

describe('tallystick backup and restore', () => {
  it('writes one encrypted file, and a new machine restored from it has the same books and catches up from a peer', async () => {
    balancesAtBackup = await flat(bea);
    expect(balancesAtBackup).toEqual({ 'Assets:Bank': '-100.00 USD', 'Assets:Cash': '-40.00 USD', 'Expenses:Flour': '40.00 USD', 'Expenses:Rent': '100.00 USD' });
    const written = await tallystickOk(bea, ['backup', backupFile]);
    const bytes = readFileSync(backupFile);
    expect(written).toContain(`Backed up co-op "Riverside" to ${backupFile}: 3 documents (the catalog, 2 months), `);
    // genesis, proposal, vote (catalog) and the two transactions
    expect(written).toContain(`, 5 entries, ${bytes.length} bytes, encrypted under your passphrase.`);
    expect(written).toContain('It holds this device\'s key');
    expect(bytes.subarray(0, 20).toString()).toBe('tallystick-backup 1 ');
    for (const clear of ['Riverside', 'Flour', 'Expenses', beaKey]) expect(bytes.includes(Buffer.from(clear)), `"${clear}" readable in the backup`).toBe(false);
    expect(statSync(backupFile).mode & 0o077).toBe(0);

    // After the backup, Ana writes a month the backup cannot know about.
    const mark = anaPeer.output.length;
    await tallystickOk(ana, ['add', '--date', '2025-05-03', '--description', 'Seeds', '-p', 'Expenses:Seeds  7.50 USD', '-p', 'Assets:Cash']);
    await anaPeer.waitFor(/picked up changes written on this device/u, mark);

    const laptop = join(root, 'new-laptop');
    const restored = await tallystickOk(laptop, ['restore', backupFile]);
    expect(restored).toContain(`Restored co-op "Riverside" from ${backupFile}`);
    expect(restored).toContain('3 documents written, 0 merged with the copy here (nothing here was overwritten), 5 entries in the backup.');
    expect(restored).toContain('This device resumes as the device that made the backup');
    expect(await flat(laptop)).toEqual(balancesAtBackup);
    expect((await tallystickJson<{ device: string }>(laptop, ['whoami'])).device).toBe(beaKey);

    // The peers it knew came with it: sync needs no address.
    expect(await tallystickOk(laptop, ['sync'])).toMatch(/Synced with Ana: 4 documents in sync\./u);
    expect(await flat(laptop)).toEqual(await flat(ana));
    expect(await flat(laptop)).toMatchObject({ 'Expenses:Seeds': '7.50 USD', 'Assets:Cash': '-47.50 USD' });
    const status = await tallystickJson<StatusJson>(laptop, ['status']);
    expect(status.replication).toMatchObject({ documentsListed: 4, documentsHere: 4, complete: true });
    expect(status.replication.bytesHere).toBe(status.documents.reduce((sum, document) => sum + document.bytes, 0));
    expect(status.documents.every((document) => document.present && document.bytes > 0)).toBe(true);
  }, 60_000);

  it('restoring into a folder of the same co-op fills in and never overwrites newer entries', async () => {
    const laptop = join(root, 'new-laptop');
    const before = await flat(laptop);
    const again = await tallystickOk(laptop, ['restore', backupFile]);
    expect(again).toContain('0 documents written, 3 merged with the copy here');
    expect(again).toContain('This folder already holds the device key the backup holds.');
    expect(await flat(laptop)).toEqual(before); // the May entry, newer than the backup, is still here
    expect((await runTallystick(laptop, ['audit'])).code).toBe(0);
  }, 30_000);

  it('refuses a wrong passphrase, a file cut short, damaged or not a backup, and writes nothing', async () => {
    const bytes = readFileSync(backupFile);
    const headerEnd = bytes.indexOf(0x0a, bytes.indexOf(0x0a) + 1);
    const variants: [string, Buffer | undefined, string | RegExp][] = [
      ['cut-short', bytes.subarray(0, Math.floor(bytes.length * 0.6)), /is cut short: its content is \d+ of \d+ bytes \(the file should be \d+ bytes, it is \d+\); nothing was written/u],
      ['cut-in-header', bytes.subarray(0, 60), 'is cut short: it ends inside its header, after 60 bytes; nothing was written'],
      ['flipped-content', flip(bytes, headerEnd + 40), /is damaged: its content \(bytes \d+–\d+\) does not match its checksum; nothing was written/u],
      ['flipped-header', flip(bytes, 60), /its header is damaged \(checksum mismatch in bytes \d+–\d+\); nothing was written/u],
      ['appended', Buffer.concat([bytes, Buffer.from('x')]), 'has 1 bytes more than its header says (something was appended); nothing was written'],
      ['other-version', Buffer.concat([Buffer.from('tallystick-backup 9 '), bytes.subarray(20)]), 'is a backup of format version 9, which this program does not read (it reads version 1); nothing was written'],
      ['not-a-backup', Buffer.from('2025-03-01 Flour\n  Expenses:Flour  40 USD\n  Assets:Cash\n'), 'is not a Tallystick backup (it does not start with "tallystick-backup"); nothing was written'],
      ['missing', undefined, 'there is no file'],
    ];
    for (const [name, content, message] of variants) {
      const file = join(root, `${name}.backup`);
      if (content !== undefined) writeFileSync(file, content);
      const target = join(root, `restored-${name}`);
      expectRefused(await runTallystick(target, ['restore', file]), message);
      expect(existsSync(target), `${name}: the data folder was created`).toBe(false);
    }
    const target = join(root, 'restored-wrong-passphrase');
    expectRefused(await runWithPassphrase(target, ['restore', backupFile], 'not-the-passphrase'), `the passphrase does not open the backup ${backupFile} (the file itself is whole: its checksums match). Nothing was written`);
    expect(existsSync(target)).toBe(false);
  }, 60_000);

  it('refuses to restore over another co-op, to back up under a wrong passphrase or into the data folder', async () => {
    const other = join(root, 'other-coop');
    await tallystickOk(other, ['init', '--coop', 'Elsewhere', '--member', 'Sam']);
    const config = readFileSync(join(other, 'tallystick.json'), 'utf8');
    expectRefused(await runTallystick(other, ['restore', backupFile]), /already holds co-op "Elsewhere", not "Riverside" \([0-9a-f]+\) of this backup; nothing was written/u);
    expect(readFileSync(join(other, 'tallystick.json'), 'utf8')).toBe(config);
    expect(readdirSync(join(other, 'storage', 'docs'))).toHaveLength(1);

    const file = join(root, 'never-written.backup');
    expectRefused(await runWithPassphrase(bea, ['backup', file], 'not-the-passphrase'), 'the passphrase does not unlock the device key');
    expect(existsSync(file)).toBe(false);
    expectRefused(await runTallystick(bea, ['backup', join(bea, 'inside.backup')]), 'is inside the data folder');
  }, 30_000);
});

describe('damaged storage', () => {
  it('names the damaged month file and refuses to show a short book, until sync recovers it from a peer', async () => {
    const laptop = join(root, 'new-laptop');
    const expected = await flat(ana);
    const march = await monthDocument(laptop, '2025-03');
    const files = chunkFiles(laptop, march);
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) damage(file);
    // The derived index, made while the month was whole, would still answer: damage shows when the documents are read.
    rmSync(join(laptop, 'index'), { recursive: true });

    const refused = await runTallystick(laptop, ['balance']);
    expectRefused(refused, `the books for 2025-03 (document ${march}) cannot be read`);
    expect(refused.stderr).toContain(`checksum mismatch (the file was damaged after it was written): ${join(laptop, 'storage', 'docs', march)}`);
    expect(refused.stderr).toContain(`was put aside as ${join(laptop, 'storage', 'quarantine', `docs__${march}__`)}`);
    expect(refused.stderr).toContain('Nothing was counted; run `tallystick sync` to get the month again from a peer');
    // Not silently short the next time either: the file is gone from the document, the refusal stays.
    const again = await runTallystick(laptop, ['balance']);
    expectRefused(again, /the books are not shown: \d+ damaged files? of 1 document in this data folder, so the books here may be short/u);
    expect(again.stderr).toContain(`docs/${march}/`);
    expect(again.stderr).toContain('Recover them from a member\'s peer with `tallystick sync`');
    expectRefused(await runTallystick(laptop, ['register']), 'the books are not shown');
    const audit = await runTallystick(laptop, ['audit']);
    expect(audit.code).toBe(1);
    expect(audit.stdout).toContain(`DAMAGED  docs/${march}/`);
    expectRefused(await runTallystick(laptop, ['backup', join(root, 'short.backup')]), 'not backed up');
    const damaged = await tallystickJson<StatusJson>(laptop, ['status']);
    expect(damaged.damaged.map((chunk) => chunk.documentId)).toEqual(files.map(() => march));
    for (const chunk of damaged.damaged) expect(existsSync(chunk.quarantinedAs)).toBe(true);
    expect(await tallystickOk(laptop, ['status'])).toContain('DAMAGED');

    const synced = await tallystickOk(laptop, ['sync']);
    expect(synced).toMatch(/recovered from Ana: period 2025-03 \(\d+ damaged files? kept in quarantine\/recovered\)/u);
    expect(await flat(laptop)).toEqual(expected);
    const after = await tallystickJson<StatusJson>(laptop, ['status']);
    expect(after.damaged).toEqual([]);
    expect(readdirSync(join(laptop, 'storage', 'quarantine', 'recovered'))).toHaveLength(files.length);
    expect((await runTallystick(laptop, ['audit'])).code).toBe(0);
  }, 60_000);

  it('a damaged month is filled back in from a backup', async () => {
    const april = await monthDocument(bea, '2025-04');
    const [file] = chunkFiles(bea, april);
    damage(file!);
    const audit = await runTallystick(bea, ['audit']);
    expect(audit.code).toBe(1);
    // Its only chunk was damaged: the month cannot be read at all, and audit says which.
    expect(audit.stderr).toContain(`the books for 2025-04 (document ${april}) cannot be read`);
    expectRefused(await runTallystick(bea, ['balance']), `docs/${april}/`);
    const restored = await tallystickOk(bea, ['restore', backupFile]);
    expect(restored).toMatch(/Recovered 1 damaged file from the backup/u);
    expect(restored).toContain('Changes made on this device after the backup and never synced are not in it.');
    expect(await flat(bea)).toEqual(balancesAtBackup);
    expect((await tallystickJson<StatusJson>(bea, ['status'])).damaged).toEqual([]);
  }, 30_000);
});

describe('status while a device first replicates', () => {
  it('shows a join in progress in another terminal, then the co-op once joined', async () => {
    const cy = join(root, 'cy');
    const join1 = new CliProcess(cy, ['join', '--wait', code], PASSPHRASE);
    const keyLine = await join1.waitFor(/This device's key: [0-9a-f]{64}/u);
    const cyKey = /([0-9a-f]{64})/u.exec(keyLine)![1]!;
    await join1.waitFor(/Not admitted yet/u);
    const waiting = await tallystickOk(cy, ['status']);
    expect(waiting).toMatch(/^joining {3}Riverside \([0-9a-f]+\), since .* \(pid \d+\)$/mu);
    expect(waiting).toContain('waiting for the inviting peer to admit this device');
    const json = await tallystickJson<{ joining: { phase: string; pid: number } }>(cy, ['status']);
    expect(json.joining.phase).toBe('connecting');

    const id = /^Proposed ([0-9a-f]+):/mu.exec(await tallystickOk(ana, ['propose', 'add-member', 'Cy', '--device', cyKey]))![1]!;
    await tallystickOk(ana, ['vote', id, 'yes']);
    expect(await join1.exited).toBe(0);
    expect(existsSync(join(cy, 'network', 'join.json'))).toBe(false);
    const status = await tallystickJson<StatusJson>(cy, ['status']);
    expect(status.replication).toMatchObject({ documentsListed: 4, documentsHere: 4, complete: true });
  }, 90_000);

  it('a running peer reports each document, in sync with whom', async () => {
    const beaPeer = new CliProcess(bea, ['peer', ...LOOPBACK], PASSPHRASE);
    await beaPeer.waitFor(/in sync with Ana/u, 0, 30_000);
    // The peer rewrites its status file at most once a second after documents change.
    type Status = { running: unknown; documents: { label: string; present: boolean; inSyncWith?: string[] }[] };
    let status = await tallystickJson<Status>(bea, ['status']);
    for (let attempt = 0; attempt < 20 && !status.documents.every((document) => document.inSyncWith?.length === 1); attempt += 1) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      status = await tallystickJson<Status>(bea, ['status']);
    }
    expect(status.running).not.toBeNull();
    expect(status.documents.map((document) => document.label)).toEqual(['catalog', 'period 2025-03', 'period 2025-04', 'period 2025-05']);
    for (const document of status.documents) expect(document.inSyncWith).toEqual(['Ana']);
    expect(await tallystickOk(bea, ['status'])).toMatch(/^ {2}period 2025-05 +here, \d+ bytes; in sync with Ana$/mu);
    expect(await beaPeer.stop()).toBe(0);
  }, 60_000);
});

function flip(bytes: Buffer, at: number): Buffer {
  const copy = Buffer.from(bytes);
  copy[at] = copy[at]! ^ 0x01;
  return copy;
}
