#!/usr/bin/env node
// The Federation area's reads (issue 7): two co-ops in a federation with PAYMENTS settled payments (each
// raised a debt, so each was accepted by the creditor), then the app's service reads the federation as
// the Credit lines, Payments and Clearing screens do, several times over, timing each read (wall and CPU
// of this process). Each method runs on a service of its own, so its first read is cold; the others show
// what the service's cache of the derived federation (kept while the storage fingerprint holds) saves.
//
//   node_modules/.bin/node bench/federation-read.mjs [--payments N] [--reads N] [--batch N]
//
// The payments and acceptances are signed with the co-ops' own device keys through FederationStore, as
// `credit pay` and `credit accept` sign them, one a write by default (--batch N: N a seal);
// the document travels between the two folders with `federation send`/`receive`.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { ROOT } from './measure.mjs';

const option = (name, fallback) => {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? Number(process.argv[at + 1]) : fallback;
};
const PAYMENTS = option('payments', 300);
const READS = option('reads', 5);
/** Entries signed and written together: 1 writes each payment and acceptance on its own, as a member does. */
const BATCH = option('batch', 1);
const PASSPHRASE = 'bench-passphrase';
const env = { TALLYSTICK_PASSPHRASE: PASSPHRASE };
const peer = (path) => import(pathToFileURL(join(ROOT, 'packages', 'peer', 'dist', path)).href);
const { main } = await peer('main.js');
const { createBookService } = await peer('service/book-service.js');
const { CoopStore, DataFolder, FederationStore, unlockDeviceKeyFile } = await import(pathToFileURL(join(ROOT, 'packages', 'sync', 'dist', 'index.js')).href);

const scratch = mkdtempSync(join(tmpdir(), 'tallystick-bench-federation-'));
const folders = { Bakery: join(scratch, 'bakery'), Mill: join(scratch, 'mill') };
const now = () => new Date();

async function cli(coop, ...args) {
  const chunks = [];
  const sink = new Writable({ write(chunk, _encoding, callback) { chunks.push(chunk.toString()); callback(); } });
  const code = await main(['node', 'tallystick', '--data', folders[coop], ...args], { stdout: sink, stderr: sink, env, now });
  if (code !== 0) throw new Error(`tallystick ${args.join(' ')} exited ${code}: ${chunks.join('')}`);
  return chunks.join('');
}

async function carry(from, to) {
  const file = join(scratch, `${from}.federation.json`);
  await cli(from, 'federation', 'send', '--out', file);
  await cli(to, 'federation', 'receive', file);
}

/** Signs and writes `make(federation)` for the co-op of `coop`'s folder, BATCH entries a seal. */
async function signAs(coop, make) {
  const folder = await DataFolder.open(folders[coop]);
  const store = await CoopStore.open(folder);
  try {
    const signer = await unlockDeviceKeyFile(folder.keyPath, PASSPHRASE);
    const federation = await FederationStore.open(store);
    const entries = make(federation.read().federation, store.coopId);
    for (let start = 0; start < entries.length; start += BATCH) {
      await federation.write(store, federation.sign(store, signer, entries.slice(start, start + BATCH), now()));
    }
  } finally {
    await store.close();
  }
}

/** Each method on a service of its own, so that its first read is cold. */
async function time(label, read) {
  const service = createBookService({ dataDir: folders.Bakery, env, now, log: () => undefined });
  const rows = [];
  for (let count = 0; count < READS; count += 1) {
    const cpu = process.cpuUsage();
    const started = performance.now();
    const result = await read(service);
    if (!result.ok) throw new Error(`${label}: ${result.error.message}`);
    const used = process.cpuUsage(cpu);
    rows.push(`${(performance.now() - started).toFixed(0)} ms (${((used.user + used.system) / 1000).toFixed(0)} ms CPU)`);
  }
  console.log(`${label.padEnd(20)} ${rows.join(', ')}`);
  await service.close();
  return service;
}

try {
  await cli('Bakery', 'init', '--coop', 'Bakery', '--member', 'Ana');
  await cli('Mill', 'init', '--coop', 'Mill', '--member', 'Ben');
  await cli('Bakery', 'federation', 'create', 'Valley', '--unit', 'USD:2', '--account', 'Income:Trade');
  await cli('Bakery', 'federation', 'invite', (await cli('Mill', 'federation', 'card')).trim());
  await carry('Bakery', 'Mill');
  await cli('Mill', 'federation', 'join', '--account', 'Income:Trade');
  await cli('Mill', 'credit', 'extend', 'Bakery', '1000000');
  await carry('Mill', 'Bakery');
  const deadline = new Date(Date.now() + 7 * 86_400_000).toISOString();
  await signAs('Bakery', (federation, me) => {
    const mill = federation.coops.find((coop) => coop.id !== me).id;
    return Array.from({ length: PAYMENTS }, (_, index) => ({ kind: 'payment', payload: { path: [me, mill], amount: `${index + 1}.00`, deadline, memo: `goods ${index}` } }));
  });
  await carry('Bakery', 'Mill');
  await signAs('Mill', (federation) => federation.payments.filter((payment) => payment.status === 'pending').map((payment) => ({ kind: 'payment-accept', payload: { payment: payment.id, hop: 0 } })));
  await carry('Mill', 'Bakery');
  console.log(`federation of 2 co-ops, ${PAYMENTS} payments of Bakery to Mill, each accepted; ${READS} reads each, the first cold:`);
  await time('federationOverview', (service) => service.federationOverview());
  await time('federationPayments', async (service) => {
    const result = await service.federationPayments();
    if (result.ok && result.value.filter((payment) => payment.status === 'settled').length !== PAYMENTS) throw new Error('not every payment settled');
    return result;
  });
  await time('federationClearings', (service) => service.federationClearings());
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
process.exit(0); // automerge-repo's timers would keep the process a while
