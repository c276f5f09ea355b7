#!/usr/bin/env node
// Replication bench (issue 4): `node bench/sync.mjs [--transactions N] [--seed S] [--entries N] [--only propagation]`,
// or `node bench/run.mjs --only sync` (`--only propagation`: part 2 alone, on a co-op with no imported book).
//
// 1. Fresh replica: a member's peer holds the generated book (imported, untimed); a new device, voted in,
//    runs `tallystick join` against it: the replica itself (from the dial to every document checked and
//    stored, as join times and prints it: the target is judged on it) and the whole process (wall time and
//    peak memory), next to saving and loading the same documents with Automerge alone. Also the holding
//    peer's peak memory.
// 2. Propagation: two connected peers in this process; entries appended one at a time on one (waiting for
//    each to arrive), then at a steady 100 per second: from the call that writes an entry (which fsyncs
//    it first) to the change being in the other peer's document. p50 and p99.
// Peers listen on 127.0.0.1 only; mDNS is off.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_SEED, DEFAULT_TRANSACTIONS, defaultFolder, writeBook } from './generate-book.mjs';
import { CLI, NODE, ROOT, log, measure, mebibytes, out, relative, seconds } from './measure.mjs';

const PASSPHRASE = 'bench-passphrase';
const ENV = { TALLYSTICK_PASSPHRASE: PASSPHRASE, TALLYSTICK_DATA: '', TALLYSTICK_COOP: '' };

function parseArguments(argv) {
  const options = { transactions: DEFAULT_TRANSACTIONS, seed: DEFAULT_SEED, entries: 1_000, timeoutSeconds: 900, only: undefined };
  for (let index = 0; index < argv.length; index += 2) {
    const [flag, text] = [argv[index], argv[index + 1]];
    if (flag === '--only' && text === 'propagation') { options.only = text; continue; }
    if (text === undefined || !/^\d+$/u.test(text)) throw new Error(`${flag} needs a whole number`);
    if (flag === '--transactions') options.transactions = Number(text);
    else if (flag === '--seed') options.seed = Number(text);
    else if (flag === '--entries') options.entries = Number(text);
    else throw new Error(`unknown flag ${flag} (flags: --transactions N, --seed S, --entries N, --only propagation)`);
  }
  return options;
}

async function cli(dataDir, args, timeoutSeconds = 900) {
  const result = await measure(NODE, [CLI, '--data', dataDir, ...args], { env: ENV, timeoutSeconds });
  if (!result.ok) throw new Error(`tallystick ${args.join(' ')}: ${result.error}\n${result.stderr}`);
  return result;
}

/** A running `tallystick peer`: waits for a line of its log, reports its peak memory (VmHWM) before stopping. */
function startPeer(dataDir) {
  const child = spawn(NODE, [CLI, '--data', dataDir, 'peer', '--listen', '/ip4/127.0.0.1/tcp/0'], { env: { ...process.env, ...ENV }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk) => { output += chunk; });
  child.stderr.on('data', (chunk) => { output += chunk; });
  const exited = new Promise((resolve) => child.on('exit', resolve));
  return {
    output: () => output,
    async waitFor(pattern, after = 0, timeoutMs = 600_000) {
      const deadline = Date.now() + timeoutMs;
      while (!pattern.test(output.slice(after))) {
        if (Date.now() > deadline || child.exitCode !== null) throw new Error(`peer: no ${pattern}\n${output}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    peakKiB() {
      const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
      return Number(/VmHWM:\s+(\d+)/u.exec(status)?.[1]);
    },
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** Saving and loading every document of a data folder with Automerge alone (no repo, no network). */
async function automergeAlone(dataDir) {
  const Automerge = await import('@automerge/automerge');
  const { FileStorageAdapter } = await import('../packages/sync/dist/index.js');
  const storage = new FileStorageAdapter(join(dataDir, 'storage'));
  const documents = [...new Set((await storage.listing()).map((name) => name.split('/')[1]))];
  let loadMs = 0;
  let saveMs = 0;
  let bytes = 0;
  for (const documentId of documents) {
    const chunks = (await storage.loadRange([documentId])).filter((chunk) => chunk.key[1] === 'snapshot' || chunk.key[1] === 'incremental');
    const joined = Buffer.concat(chunks.map((chunk) => chunk.data));
    let started = performance.now();
    const doc = Automerge.load(joined);
    loadMs += performance.now() - started;
    started = performance.now();
    const saved = Automerge.save(doc);
    saveMs += performance.now() - started;
    bytes += saved.byteLength;
    // And loading what save wrote, as a fresh replica would receive it at best.
    started = performance.now();
    Automerge.load(saved);
    loadMs += performance.now() - started;
  }
  return { documents: documents.length, bytes, saveAndLoadMs: saveMs + loadMs / 2 };
}

/**
 * automerge-repo's own WebSocket adapter on the same documents: this process serves them (imported from the
 * folder's storage into a repo with no storage) on 127.0.0.1; a child process with a repo and no storage
 * fetches every one, 32 at a time as `join` does. Its wall time and peak memory, measured like `join`'s.
 */
async function webSocketReplica(options, dataDir) {
  const { Repo } = await import('@automerge/automerge-repo');
  const { WebSocketServerAdapter } = await import('@automerge/automerge-repo-network-websocket');
  const { WebSocketServer } = await import('ws');
  const { FileStorageAdapter } = await import('../packages/sync/dist/index.js');
  const storage = new FileStorageAdapter(join(dataDir, 'storage'));
  const documents = [...new Set((await storage.listing()).map((name) => name.split('/')[1]))];
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise((resolve) => server.once('listening', resolve));
  const repo = new Repo({ network: [new WebSocketServerAdapter(server)], sharePolicy: async () => true });
  for (const documentId of documents) {
    const chunks = (await storage.loadRange([documentId])).filter((chunk) => chunk.key[1] === 'snapshot' || chunk.key[1] === 'incremental');
    repo.import(Buffer.concat(chunks.map((chunk) => chunk.data)), { docId: documentId });
  }
  const list = join(dataDir, '..', 'websocket-documents.json');
  writeFileSync(list, JSON.stringify(documents));
  try {
    const result = await measure(NODE, [join(ROOT, 'bench/sync.mjs'), '--websocket-client', `ws://127.0.0.1:${server.address().port}`, list], { timeoutSeconds: options.timeoutSeconds });
    if (!result.ok) throw new Error(`the WebSocket client failed: ${result.error}\n${result.stderr}`);
    return result;
  } finally {
    await repo.shutdown();
    server.close();
  }
}

/** The child of webSocketReplica: fetches every listed document over automerge-repo's WebSocket client adapter. */
async function webSocketClient(url, list) {
  const { Repo } = await import('@automerge/automerge-repo');
  const { WebSocketClientAdapter } = await import('@automerge/automerge-repo-network-websocket');
  const documents = JSON.parse(readFileSync(list, 'utf8'));
  const repo = new Repo({ network: [new WebSocketClientAdapter(url)], sharePolicy: async () => true });
  await new Promise((resolve) => repo.networkSubsystem.once('peer', resolve));
  for (let start = 0; start < documents.length; start += 32) {
    await Promise.all(documents.slice(start, start + 32).map((documentId) => repo.find(`automerge:${documentId}`, { signal: AbortSignal.timeout(120_000) })));
  }
  process.exit(0);
}

/** Admits a new device into the co-op held in `office` (quorum 1) and returns its join command's measure. */
async function freshReplica(options, office, laptop, peer) {
  const code = (await cli(office, ['invite'])).stdout.trim();
  const refused = await measure(NODE, [CLI, '--data', laptop, 'join', code], { env: ENV, timeoutSeconds: 120 });
  const key = /This device's key: ([0-9a-f]{64})/u.exec(refused.stdout)?.[1];
  if (key === undefined) throw new Error(`join did not print a key:\n${refused.stdout}${refused.stderr}`);
  const mark = peer.output().length;
  const id = /^Proposed ([0-9a-f]+):/mu.exec((await cli(office, ['propose', 'add-member', 'laptop', '--device', key])).stdout)[1];
  await cli(office, ['vote', id, 'yes']);
  await peer.waitFor(/roster: 2 members/u, mark);
  log('sync bench: timing the fresh replica (tallystick join)…');
  return cli(laptop, ['join', code], options.timeoutSeconds);
}

function percentile(values, fraction) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))];
}

/** Two peers in this process: entries written on one, timed until they are in the other's document. */
async function propagation(options, office, laptop) {
  const Automerge = await import('@automerge/automerge');
  const { DataFolder, packs, unlockDeviceKeyFile } = await import('../packages/sync/dist/index.js');
  const { CoopPeer } = await import('../packages/sync/dist/network/index.js');
  const start = async (dir, listen) => CoopPeer.start({
    folder: await DataFolder.open(dir), signer: await unlockDeviceKeyFile(join(dir, 'device-key.json'), PASSPHRASE),
    listen, reconnect: false, replicator: { localPollMs: 0 }, log: () => undefined,
  });
  const sender = await start(office, ['/ip4/127.0.0.1/tcp/0']);
  const receiver = await start(laptop, []);
  try {
    const dial = await receiver.dial(sender.addresses()[0]);
    if (!dial.ok) throw new Error(`the peers did not connect: ${dial.reason}`);
    const signer = await unlockDeviceKeyFile(join(office, 'device-key.json'), PASSPHRASE);
    let serial = 0;
    const entry = () => ({ kind: 'transaction', payload: {
      date: '2031-01-15', status: '', description: `propagation ${serial += 1}`, tags: [], links: [], metadata: {},
      postings: [{ account: 'expenses:bench', amount: ['USD', '1.00'] }, { account: 'assets:cash', amount: ['USD', '-1.00'] }],
    } });
    // The month's changes on the sender, in order (one writer: a line of changes), and when the receiver
    // first held each: arrival is timed when the change lands, however long the sender's write still takes.
    const monthHandle = (peer) => {
      const month = peer.replicator.documentStates().find((document) => document.label === 'period 2031-01' && document.present);
      return month === undefined ? undefined : peer.store.repo.handles[month.documentId];
    };
    const sign = () => sender.store.signEntries([entry()], signer, new Date());
    await sender.store.appendEntries(sign()); // the month's first entry creates its document: not timed
    const senderMonth = monthHandle(sender);
    const changeIndex = new Map([[Automerge.getHeads(senderMonth.doc()).join(), 0]]);
    // Which change holds each entry's pack (the store may put an entry in its own change, or several in one).
    const packChange = new Map(Object.keys(senderMonth.doc().days['2031-01-15']).map((key) => [key, 0]));
    senderMonth.on('heads-changed', ({ doc }) => {
      const index = changeIndex.size;
      changeIndex.set(Automerge.getHeads(doc).join(), index);
      for (const key of Object.keys(doc.days['2031-01-15'] ?? {})) if (!packChange.has(key)) packChange.set(key, index);
    });
    const deadline = Date.now() + 30_000;
    while (monthHandle(receiver)?.isReady() !== true || !Automerge.hasHeads(monthHandle(receiver).doc(), Automerge.getHeads(senderMonth.doc()))) {
      if (Date.now() > deadline) throw new Error('the month did not arrive within 30 s');
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const arrivals = []; // arrivals[i]: when the receiver first held the sender's change i
    monthHandle(receiver).on('heads-changed', ({ doc }) => {
      const index = changeIndex.get(Automerge.getHeads(doc).join());
      if (index === undefined) throw new Error('the receiver holds a change the sender did not make');
      while (arrivals.length <= index) arrivals.push(performance.now());
    });
    arrivals.push(performance.now());
    /** Signs and writes an entry; resolves, once written, with the index of the sender's change holding it. */
    const timedWrite = async () => {
      const signed = sign();
      await sender.store.appendEntries(signed);
      const index = packChange.get(Object.keys(packs(signed))[0]);
      if (index === undefined) throw new Error('a written entry is in no change of the month');
      return index;
    };
    const arrival = async (index) => {
      const until = Date.now() + 30_000;
      while (arrivals[index] === undefined) {
        if (Date.now() > until) throw new Error('an entry did not arrive within 30 s');
        await new Promise((resolve) => setImmediate(resolve));
      }
      return arrivals[index];
    };
    const single = [];
    const writes = [];
    for (let index = 0; index < options.entries; index += 1) {
      // automerge-repo sends a document's changes at most every 100 ms (DocSynchronizer's fixed throttle):
      // entries one at a time are spaced past it, so each is measured alone rather than waiting on the last.
      await new Promise((resolve) => setTimeout(resolve, 110));
      const started = performance.now();
      const change = await timedWrite();
      writes.push(performance.now() - started);
      single.push((await arrival(change)) - started);
    }
    // Steady: one entry due every 10 ms, each written when due (the store writes those that wait on the
    // disk together: coop-store.ts's group commit); timed from when it was due, and from its write's return.
    const steady = [];
    const steadyAfterWrite = [];
    const pending = [];
    const steadyFromCall = [];
    const begin = performance.now();
    for (let index = 0; index < options.entries; index += 1) {
      const due = begin + index * 10;
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, due - performance.now())));
      const called = performance.now();
      pending.push(timedWrite().then(async (change) => {
        const written = performance.now();
        const at = await arrival(change);
        steady.push(at - due);
        steadyFromCall.push(at - called);
        steadyAfterWrite.push(Math.max(0, at - written));
      }));
    }
    await Promise.all(pending);
    return { single, writes, steady, steadyFromCall, steadyAfterWrite };
  } finally {
    await receiver.stop();
    await sender.stop();
  }
}

export async function runSyncBench(options) {
  if (options.only === 'propagation') return runPropagationOnly(options);
  const book = defaultFolder(options);
  if (!existsSync(join(book, 'book.journal'))) writeBook({ transactions: options.transactions, seed: options.seed, out: book });
  const work = mkdtempSync(join(tmpdir(), 'tallystick-sync-bench-'));
  const office = join(work, 'office');
  const laptop = join(work, 'laptop');
  try {
    log(`sync bench: importing ${relative(join(book, 'book.journal'))} into the office peer's folder (untimed)…`);
    await cli(office, ['init', '--coop', 'Bench', '--member', 'office', '--rule', 'quorum:1']);
    await cli(office, ['import', join(book, 'book.journal')], options.timeoutSeconds);
    const alone = await automergeAlone(office);
    const peer = startPeer(office);
    await peer.waitFor(/listening on/u);
    // `invite` reads where the peer listens from its status file, written just after it says so.
    while (!existsSync(join(office, 'network', 'peer.json'))) await new Promise((resolve) => setTimeout(resolve, 20));
    let replica;
    let peerKiB;
    try {
      replica = await freshReplica(options, office, laptop, peer);
      peerKiB = peer.peakKiB();
    } finally {
      await peer.stop(); // a failed join must not leave the peer running
    }
    log('sync bench: the same documents over automerge-repo\'s own WebSocket adapter…');
    const webSocket = await webSocketReplica(options, office);
    log(`sync bench: propagation of ${options.entries} entries, one at a time and at 100 per second…`);
    const times = await propagation(options, office, laptop);
    out('');
    out(`Replication (${options.transactions} transactions, seed ${options.seed}; peers on 127.0.0.1)`);
    out('| measure | value | target |');
    out('| --- | --- | --- |');
    const verdict = (ok) => (ok ? 'ok' : 'MISSED');
    // The replica itself, as `join` times it: from the dial to every document checked and stored, the co-op recorded.
    const inside = /Replica: (\d+) documents .* in (\d+\.\d+) s from the dial \(admitted (\d+\.\d+) s, catalog (\d+\.\d+) s, months (\d+\.\d+) s\)/u.exec(replica.stdout);
    if (inside === null) throw new Error(`join did not print its replica line:\n${replica.stdout}`);
    const [replicaMs, dialMs, catalogMs, monthsMs] = inside.slice(2).map((text) => Number(text) * 1000);
    const insideRatio = replicaMs / alone.saveAndLoadMs;
    const processRatio = (replica.seconds * 1000) / alone.saveAndLoadMs;
    out(`| fresh replica between the two peers: from the dial to every document checked and stored (timed inside \`tallystick join\`) | ${seconds(replicaMs)} s (admitted ${seconds(dialMs)} s, catalog ${seconds(catalogMs)} s, months ${seconds(monthsMs)} s) | ≤ 2× save + load: ${insideRatio.toFixed(1)}× ${verdict(insideRatio <= 2)} |`);
    out(`| the whole \`tallystick join\` process (start-up, key unlock, the replica, exit) | ${seconds(replica.seconds * 1000)} s, ${mebibytes(replica.peakKiB)} MiB peak | ${processRatio.toFixed(1)}× save + load |`);
    out(`| Automerge alone: save + load of the same ${alone.documents} documents (${(alone.bytes / 1048576).toFixed(1)} MiB) | ${seconds(alone.saveAndLoadMs)} s | |`);
    out(`| automerge-repo's WebSocket adapter: a repo (no storage) fetching the same documents (whole process) | ${seconds(webSocket.seconds * 1000)} s, ${mebibytes(webSocket.peakKiB)} MiB peak | |`);
    out(`| peer holding the book: peak memory (VmHWM) | ${mebibytes(peerKiB)} MiB | |`);
    outPropagation(times);
    return true;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** The propagation rows of the table (part 2). */
function outPropagation(times) {
  const ms = (value) => value.toFixed(1);
  const verdict = (ok) => (ok ? 'ok' : 'MISSED');
  const [singleP50, singleP99, steadyP99] = [percentile(times.single, 0.5), percentile(times.single, 0.99), percentile(times.steady, 0.99)];
  out(`| one at a time: from the call that writes to arrival p50 / p99 | ${ms(singleP50)} / ${ms(singleP99)} ms | < 10 / < 25 ms: ${verdict(singleP50 < 10 && singleP99 < 25)} |`);
  out(`| the sender's own write (fsynced) alone p50 / p99 | ${ms(percentile(times.writes, 0.5))} / ${ms(percentile(times.writes, 0.99))} ms | |`);
  out(`| 100 per second: from when due to arrival p50 / p99 | ${ms(percentile(times.steady, 0.5))} / ${ms(steadyP99)} ms | p99 < 120 ms: ${verdict(steadyP99 < 120)} |`);
  out(`| 100 per second: from the call that writes to arrival (the rest is this process being late to call) p50 / p99 | ${ms(percentile(times.steadyFromCall, 0.5))} / ${ms(percentile(times.steadyFromCall, 0.99))} ms | |`);
  out(`| 100 per second: from the write's return to arrival (0 if before) p50 / p99 | ${ms(percentile(times.steadyAfterWrite, 0.5))} / ${ms(percentile(times.steadyAfterWrite, 0.99))} ms | |`);
}

/**
 * `--only propagation`: part 2 alone, on a co-op with nothing imported (the second device joins it
 * untimed). The entries are written to a month of their own either way, so only the catalog is smaller.
 */
async function runPropagationOnly(options) {
  const work = mkdtempSync(join(tmpdir(), 'tallystick-sync-bench-'));
  const office = join(work, 'office');
  const laptop = join(work, 'laptop');
  try {
    await cli(office, ['init', '--coop', 'Bench', '--member', 'office', '--rule', 'quorum:1']);
    const peer = startPeer(office);
    await peer.waitFor(/listening on/u);
    await freshReplica(options, office, laptop, peer);
    await peer.stop();
    log(`sync bench: propagation of ${options.entries} entries, one at a time and at 100 per second…`);
    const times = await propagation(options, office, laptop);
    out('');
    out(`Replication: propagation only (${options.entries} entries; peers on 127.0.0.1)`);
    out('| measure | value | target |');
    out('| --- | --- | --- |');
    outPropagation(times);
    return true;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}` && process.argv[2] === '--websocket-client') {
  webSocketClient(process.argv[3], process.argv[4]).catch((error) => {
    log(`websocket client failed: ${error.stack ?? error}`);
    process.exit(1);
  });
} else if (import.meta.url === `file://${process.argv[1]}`) {
  process.chdir(ROOT);
  runSyncBench(parseArguments(process.argv.slice(2))).then(() => process.exit(0), (error) => {
    log(`sync bench failed: ${error.stack ?? error}`);
    process.exit(1);
  });
}
