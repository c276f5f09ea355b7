import { Command, CommanderError, Option } from 'commander';
import { TallystickError } from '@tallystick/core';
import { type CommandContext, resolveDataDir } from './context.js';
// Commands are loaded when run, so `balance` does not pay for Automerge or the importers.

export interface MainEnvironment {
  stdout?: CommandContext['stdout'];
  stderr?: CommandContext['stderr'];
  stdin?: CommandContext['stdin'];
  env?: NodeJS.ProcessEnv;
  now?: () => Date;
}

/**
 * The `tallystick` command. Returns the exit code: 0 done, 1 a problem the user can fix (the message
 * says what), 2 bad usage. A bug is not caught here: it crashes with its stack.
 */
export async function main(argv: readonly string[], environment: MainEnvironment = {}): Promise<number> {
  const stdout = environment.stdout ?? process.stdout;
  const stderr = environment.stderr ?? process.stderr;
  let exitCode = 0;
  const program = buildProgram(environment, (code) => { exitCode = code; });
  // Subcommands copy these settings only when created after them, so set them on each: otherwise a
  // usage error in a subcommand (`balance --bogus`) exits 1 from inside commander instead of 2, past our output.
  for (const command of allCommands(program)) {
    command.exitOverride();
    command.configureOutput({ writeOut: (text) => stdout.write(text), writeErr: (text) => stderr.write(text) });
  }
  try {
    await program.parseAsync(argv as string[]);
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    if (error instanceof TallystickError) {
      stderr.write(`tallystick: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
}

function buildProgram(environment: MainEnvironment, setExitCode: (code: number) => void): Command {
  const program = new Command('tallystick')
    .description('Peer-to-peer, local-first double-entry books for cooperatives.')
    .option('--data <dir>', 'data folder (default: $TALLYSTICK_DATA, else the platform app-data folder)')
    .option('--use <coop>', 'which co-op of the data folder, by name or id (default: $TALLYSTICK_COOP, else the first one founded)')
    .option('--federation <name>', 'which federation of the data folder, by name or id (default: the only one)')
    .showHelpAfterError('(run with --help for usage)');

  const context = (): CommandContext => {
    const options = program.opts<{ data?: string; use?: string; federation?: string }>();
    const env = environment.env ?? process.env;
    const coop = options.use ?? env.TALLYSTICK_COOP;
    return {
      dataDir: resolveDataDir(options.data, env),
      ...(coop ? { coop } : {}),
      ...(options.federation ? { federation: options.federation } : {}),
      stdout: environment.stdout ?? process.stdout,
      stderr: environment.stderr ?? process.stderr,
      stdin: environment.stdin ?? process.stdin,
      env,
      now: environment.now ?? (() => new Date()),
    };
  };
  const periodOptions = (command: Command) => command
    .option('-b, --begin <date>', 'from this date (inclusive)')
    .option('-e, --end <date>', 'to this date (exclusive)')
    .option('--json', 'machine-readable output');
  const columns = (command: Command) => command
    .option('-M, --monthly', 'a column per month')
    .option('-Q, --quarterly', 'a column per quarter')
    .option('-Y, --yearly', 'a column per year');

  program.command('init').description('found a co-op on this device (makes the device key on first use)')
    .requiredOption('--coop <name>', 'the co-op\'s name')
    .requiredOption('--member <name>', 'your name as the founding member')
    .option('--role <name=perms>', 'a role and what it may write, like treasurer=books,vote (permissions: books, vote, timebank, credit, coordinate); repeat. Default: one role "member" that may do everything', collect, [])
    .option('--member-role <role>', 'the founding member\'s role (default: the first --role)')
    .option('--rule <rule>', 'how proposals are decided: majority (default), unanimity or quorum:N')
    .action(async (options) => (await import('./commands/init.js')).initCommand(context(), options));

  program.command('add').description('record a transaction (asks on a terminal; flags for scripts)')
    .option('-d, --date <date>', 'YYYY-MM-DD (default today)')
    .option('--description <text>', 'what it was')
    .option('--payee <name>', 'who it was with')
    .option('-p, --posting <posting>', '"ACCOUNT  AMOUNT" (two spaces between); repeat; one may omit the amount', collect, [])
    .action(async (options) => (await import('./commands/add.js')).addCommand(context(), options));

  program.command('reverse').description('correct a transaction with a reversing entry (nothing is edited or deleted)')
    .argument('<txid>', 'transaction id or unique prefix (as `register` shows)')
    .option('-d, --date <date>', 'date of the reversal (default today)')
    .option('--description <text>', 'description of the reversal')
    .action(async (id, options) => (await import('./commands/reverse.js')).reverseCommand(context(), id, options));

  program.command('lock').description('close the period through DATE: no new entry may be dated on or before it')
    .argument('<date>', 'YYYY-MM-DD')
    .action(async (date) => (await import('./commands/lock.js')).lockCommand(context(), date));

  const accounts = program.command('accounts').description('list accounts, declared and used, with their types')
    .option('--json', 'machine-readable output')
    .action(async (options) => (await import('./commands/accounts.js')).accountsCommand(context(), options));
  accounts.command('open').description('declare an account: open date, type, allowed commodities')
    .argument('<account>', 'full name, like Assets:Bank:Checking')
    .option('-d, --date <date>', 'open date (default today)')
    .addOption(new Option('--type <type>', 'overrides the type implied by the root name').choices(['asset', 'liability', 'equity', 'income', 'expense']))
    .option('--commodity <symbol>', 'a commodity the account may hold; repeat', collect, [])
    .option('--note <text>', 'what the account is for')
    .action(async (account, options) => (await import('./commands/accounts.js')).accountOpenCommand(context(), account, options));
  accounts.command('close').description('close an account: postings dated after the date do not count')
    .argument('<account>')
    .option('-d, --date <date>', 'close date (default today)')
    .action(async (account, options) => (await import('./commands/accounts.js')).accountCloseCommand(context(), account, options));

  program.command('import').description('import a ledger/hledger journal, a beancount file or a bank CSV (all or nothing; again adds nothing)')
    .argument('<file>')
    .addOption(new Option('--format <format>', 'file format (default: from the extension)').choices(['ledger', 'beancount', 'csv']))
    .option('--rules <file>', 'CSV rules file (default: FILE.rules)')
    .action(async (file, options) => (await import('./commands/import.js')).importCommand(context(), file, options));

  program.command('export').description('write the books for hledger/ledger, beancount or a spreadsheet')
    .addOption(new Option('--format <format>', 'output format').choices(['ledger', 'beancount', 'csv']).default('ledger'))
    .option('-o, --out <file>', 'write to a file (atomically) instead of standard output')
    .action(async (options) => (await import('./commands/export.js')).exportCommand(context(), options));

  columns(periodOptions(program.command('balance').alias('bal').description('account balances (a tree including subaccounts, or --flat)')
    .option('--flat', 'each account\'s own postings only, full names')
    .option('--depth <n>', 'fold deeper accounts into their ancestor at this depth')))
    .action(async (options) => (await import('./commands/reports.js')).balanceCommand(context(), options));

  periodOptions(program.command('register').alias('reg').description('postings to matching accounts with a running total')
    .argument('[pattern]', 'case-insensitive regular expression on account names'))
    .action(async (pattern, options) => (await import('./commands/reports.js')).registerCommand(context(), pattern, options));

  periodOptions(program.command('trialbalance').alias('tb').description('every account with debit and credit totals'))
    .action(async (options) => (await import('./commands/reports.js')).trialBalanceCommand(context(), options));

  columns(periodOptions(program.command('balancesheet').alias('bs').description('assets, liabilities and equity')))
    .action(async (options) => (await import('./commands/reports.js')).balanceSheetCommand(context(), options));

  columns(periodOptions(program.command('incomestatement').alias('is').description('income, expenses and net income')))
    .action(async (options) => (await import('./commands/reports.js')).incomeStatementCommand(context(), options));

  program.command('rejected').description('entries in the documents that do not count, and why (exit 1 if any)')
    .option('--json', 'machine-readable output')
    .action(async (options) => setExitCode(await (await import('./commands/rejected.js')).rejectedCommand(context(), options)));

  program.command('whoami').description('this device\'s key, and the member, role and rights it acts with')
    .option('--json', 'machine-readable output')
    .action(async (options) => (await import('./commands/governance-read.js')).whoamiCommand(context(), options));

  program.command('members').description('the co-op\'s members, their roles and the decision rule')
    .option('--json', 'machine-readable output')
    .action(async (options) => (await import('./commands/governance-read.js')).membersCommand(context(), options));

  program.command('devices').description('every member\'s device keys, revoked ones marked')
    .option('--json', 'machine-readable output')
    .action(async (options) => (await import('./commands/governance-read.js')).devicesCommand(context(), options));

  program.command('proposals').description('proposals with their action, deadline, tally, status and votes')
    .option('--json', 'machine-readable output')
    .action(async (options) => (await import('./commands/governance-read.js')).proposalsCommand(context(), options));

  program.command('propose').description('propose a change for the members to vote on')
    .argument('<action>', 'add-member | remove-member | add-device | revoke-device | replace-device | set-role | set-rule | lock | timebank-rules')
    .argument('[args...]', 'add-member NAME --device KEY [--role R] | remove-member NAME | add-device MEMBER KEY | revoke-device MEMBER KEY | replace-device MEMBER OLD-KEY NEW-KEY | set-role MEMBER ROLE | set-rule majority|unanimity|quorum:N | lock DATE | timebank-rules [lowest=H] [highest=H] [grant=H] [community-lowest=H] (hours, like -10 or 1:30)')
    .option('--device <key>', 'add-member: the new member\'s device key (`tallystick whoami` on it prints it)')
    .option('--role <role>', 'add-member: the new member\'s role (default: member)')
    .option('--deadline <when>', 'votes count until then: 2025-06-01T18:00:00Z or a date (default: 7 days from now)')
    .option('--note <text>', 'why, for the members')
    .action(async (action, args, options) => (await import('./commands/governance-write.js')).proposeCommand(context(), action, args, options));

  program.command('vote').description('vote on a proposal (you may change your vote until it is decided)')
    .argument('<id>', 'proposal id or unique prefix (as `proposals` shows)')
    .argument('<choice>', 'yes or no')
    .action(async (id, choice) => (await import('./commands/governance-write.js')).voteCommand(context(), id, choice));

  addTimebankCommands(program, context);

  program.command('audit').description('verify every signature again from the documents and replay the roster from the genesis (exit 1 if anything is rejected or damaged)')
    .option('--json', 'machine-readable output')
    .action(async (options) => setExitCode(await (await import('./commands/audit.js')).auditCommand(context(), options)));

  const federation = program.command('federation').description('a federation of co-ops extending mutual credit to each other (issue 6)');
  federation.command('create').description('found a federation with this co-op as its first member')
    .argument('<name>', 'the federation\'s name')
    .option('--unit <unit>', 'unit of account as SYMBOL:PLACES, like USD:2 or h:2 (default USD:2)')
    .option('--coop <card>', 'a founding co-op\'s card (`federation card` on its device); repeat. It becomes a member when it joins', collect, [])
    .option('--account <account>', 'the account of this co-op\'s books that payments in and out are posted against (default: Equity:Mutual credit)')
    .action(async (name, options) => (await import('./commands/federation.js')).federationCreateCommand(context(), name, options));
  federation.command('card').description('print this co-op\'s card, which a federation member needs to invite it')
    .action(async () => (await import('./commands/federation.js')).federationCardCommand(context()));
  federation.command('invite').description('invite a co-op by its card')
    .argument('<card>', 'tallystick-coop:ID:GENESIS:NAME')
    .action(async (card) => (await import('./commands/federation.js')).federationInviteCommand(context(), card));
  federation.command('send').description('write the federation\'s document to a file for another member whose peer this one cannot reach')
    .requiredOption('-o, --out <file>', 'where to write it')
    .action(async (options) => (await import('./commands/federation.js')).federationSendCommand(context(), options));
  federation.command('receive').description('merge in a federation\'s document another member sent; posts new settlements to the books')
    .argument('<file>')
    .action(async (file) => (await import('./commands/federation.js')).federationReceiveCommand(context(), file));
  federation.command('fetch').description('fetch a federation\'s document from the inviting member\'s peer, with the code `federation invite` printed there')
    .argument('<code>', 'the code `tallystick federation invite` printed')
    .action(async (code) => (await import('./commands/federation.js')).federationFetchCommand(context(), code));
  federation.command('join').description('join a federation this co-op is invited to (after receiving its document)')
    .option('--account <account>', 'the account payments in and out are posted against (default: Equity:Mutual credit)')
    .action(async (options) => (await import('./commands/federation.js')).federationJoinCommand(context(), options));
  federation.command('members').description('the federation\'s co-ops and whether each has joined')
    .option('--json', 'machine-readable output')
    .action(async (options) => (await import('./commands/federation.js')).federationMembersCommand(context(), options));

  const credit = program.command('credit').description('credit lines and payments between the co-ops of a federation');
  credit.command('extend').description('let CO-OP owe this co-op up to AMOUNT (replaces the previous limit)')
    .argument('<coop>').argument('<amount>')
    .action(async (coop, amount) => (await import('./commands/credit.js')).creditExtendCommand(context(), coop, amount));
  credit.command('lines').description('the lines, debts, payments and clearings this co-op is party to')
    .option('--json', 'machine-readable output')
    .action(async (options) => (await import('./commands/credit.js')).creditLinesCommand(context(), options));
  credit.command('pay').description('pay CO-OP AMOUNT, directly or along a path of lines (raising a debt needs the creditor\'s acceptance)')
    .argument('<coop>').argument('<amount>')
    .option('--memo <text>', 'what it is for')
    .option('--deadline <when>', 'acceptances count until then (default: 7 days from now)')
    .action(async (coop, amount, options) => (await import('./commands/credit.js')).creditPayCommand(context(), coop, amount, options));
  credit.command('accept').description('accept a payment that raises what its payer owes this co-op')
    .argument('<id>', 'payment id or unique prefix')
    .action(async (id) => (await import('./commands/credit.js')).creditAcceptCommand(context(), id));
  credit.command('decline').description('decline a payment: it fails and no balance changes')
    .argument('<id>', 'payment id or unique prefix')
    .option('--reason <text>', 'why, for the payer')
    .action(async (id, options) => (await import('./commands/credit.js')).creditDeclineCommand(context(), id, options));
  credit.command('policy').description('let this co-op\'s always-on peer accept payments from CO-OP (or *) of up to AMOUNT each')
    .argument('<coop>').argument('<amount>')
    .action(async (coop, amount) => (await import('./commands/credit.js')).creditPolicyCommand(context(), coop, amount));
  credit.command('auto-accept').description('accept, signed by this device, the pending payments the policy covers')
    .action(async () => (await import('./commands/credit.js')).creditAutoAcceptCommand(context()));
  credit.command('post').description('post settled payments and applied clearings into this co-op\'s books (commands do it as they go)')
    .action(async () => (await import('./commands/credit.js')).creditPostCommand(context()));

  const clear = program.command('clear').description('multilateral clearing: the set-off that cancels the most debt between co-ops, every net position unchanged');
  clear.command('propose').description('propose the plan to the co-ops involved (proposing is this co-op\'s consent)')
    .option('--deadline <when>', 'consents count until then (default: 7 days from now)')
    .action(async (options) => (await import('./commands/clear.js')).clearProposeCommand(context(), options));
  clear.command('consent').description('consent to a clearing for this co-op; applied once all involved consent')
    .argument('<id>', 'clearing id or unique prefix')
    .action(async (id) => (await import('./commands/clear.js')).clearAnswerCommand(context(), id, true));
  clear.command('decline').description('decline a clearing: it is not applied, and the next plan leaves this co-op out')
    .argument('<id>', 'clearing id or unique prefix')
    .action(async (id) => (await import('./commands/clear.js')).clearAnswerCommand(context(), id, false));
  clear.command('plan').description('plan the set-off over the federation\'s obligations, or a CSV\'s (writes nothing)')
    .option('--obligations <file>', 'CSV rows debtor,creditor,amount (header optional): plan for these obligations alone')
    .option('--json', 'machine-readable output')
    .action(async (options) => (await import('./commands/clear.js')).clearPlanCommand(context(), options));

  program.command('peer').description('run this device\'s peer: listen, dial, discover, and keep the co-op\'s documents in sync with its members until Ctrl-C')
    .option('--listen <multiaddr>', 'where to listen, like /ip4/0.0.0.0/tcp/4001 or /ip4/0.0.0.0/tcp/4002/ws; behind NAT: /p2p-circuit and /webrtc (a slot on the --connect peer\'s relay, and WebRTC through it); repeat (default: the ports of the last run, else any free TCP and WebSocket port)', collect, [])
    .option('--connect <multiaddr>', 'a member\'s peer to dial (the address its `tallystick peer` prints); repeat', collect, [])
    .option('--mdns', 'find the co-op\'s peers on the local network by mDNS')
    .option('--stop', 'stop the peer running on this data folder (it saves what it received first) and wait for it to exit')
    .action(async (options) => {
      const commands = await import('./commands/peer.js');
      return options.stop ? commands.stopPeerCommand(context()) : commands.peerCommand(context(), options);
    });

  program.command('sync').description('sync once with member peers until both sides hold each other\'s changes, then exit')
    .option('--connect <multiaddr>', 'a member\'s peer to sync with; repeat (default: the peers this device knows)', collect, [])
    .option('--timeout <seconds>', 'give up after this long (default 60)')
    .action(async (options) => (await import('./commands/peer.js')).syncCommand(context(), options));

  program.command('backup').description('write the co-op\'s documents (and this device\'s key) to one file, encrypted under your passphrase')
    .argument('<file>', 'where to write the backup (outside the data folder)')
    .action(async (file) => (await import('./commands/backup.js')).backupCommand(context(), file));

  program.command('restore').description('bring a co-op back from a backup into an empty data folder, or fill in missing or damaged documents of the same co-op')
    .argument('<file>', 'a file `tallystick backup` wrote')
    .action(async (file) => (await import('./commands/backup.js')).restoreCommand(context(), file));

  program.command('status').description('this device\'s peer id and addresses, the running peer, known peers, last sync, documents')
    .option('--json', 'machine-readable output')
    .action(async (options) => (await import('./commands/status.js')).statusCommand(context(), options));

  program.command('invite').description('print a code with which another device can ask to join this co-op (it must still be voted in)')
    .option('--address <multiaddr>', 'where this device\'s peer can be reached (default: where the running `tallystick peer` listens); repeat', collect, [])
    .option('--member <name>', 'invite a new member by name: the code carries a one-time secret, and `tallystick admit` turns the new device\'s join request into a proposal')
    .option('--role <role>', 'with --member: the role proposed for them (default: member)')
    .action(async (options) => (await import('./commands/join.js')).inviteCommand(context(), options));

  program.command('admit').description('redeem a join request (printed by `tallystick join` with an invite made by --member on this device): propose the member with that device and vote yes')
    .argument('<request>', 'the join request the new device printed')
    .action(async (request) => (await import('./commands/join.js')).admitCommand(context(), request));

  program.command('join').description('fetch a co-op with an invite code, once the members have voted this device in (prints this device\'s key to propose)')
    .argument('<code>', 'the code `tallystick invite` printed on a member\'s device')
    .option('--wait', 'keep trying (every 3 s, up to an hour) until the members have voted this device in')
    .action(async (code, options) => (await import('./commands/join.js')).joinCommand(context(), code, options));

  program.command('ui').description('open the app in a browser: serves it and its API on 127.0.0.1 with a per-launch token')
    .option('--port <n>', 'port to listen on (default: any free port)')
    .option('--app <dir>', 'the built app (default: out/renderer of this checkout)')
    .option('--listen <multiaddr>', 'where this device\'s peer listens, like /ip4/0.0.0.0/tcp/4001; repeat (default: the ports of the last run, else any free TCP and WebSocket port)', collect, [])
    .option('--peer <multiaddr>', 'a member\'s peer to dial at start (the known peers are redialled anyway); repeat', collect, [])
    .option('--no-sync', 'serve the books without running this device\'s peer')
    .action(async (options) => (await import('./service/ui-command.js')).uiCommand(context(), options));

  return program;
}

/** The program and every subcommand at any depth (`accounts open`, `clear plan`). */
function allCommands(command: Command): Command[] {
  return [command, ...command.commands.flatMap(allCommands)];
}

/** The time bank (issue 5): `hours …`, `offers …`, `requests …`. Loaded when run, like every command. */
function addTimebankCommands(program: Command, context: () => CommandContext): void {
  const hours = program.command('hours').description('the time bank: log hours given and received, confirm them, see balances');
  const duration = (command: Command) => command
    .option('--hours <h>', 'how long, in hours: 2, 1.5 or 1:30')
    .option('--minutes <n>', 'how long, in whole minutes');
  const write = async () => import('./commands/hours-write.js');
  const read = async () => import('./commands/hours-read.js');
  duration(hours.command('log').description('log hours you gave (--to) or received (--from); it counts once the other member confirms'))
    .option('--to <member>', 'you gave hours to this member')
    .option('--from <member>', 'this member gave you hours')
    .option('-d, --date <date>', 'when (default today)')
    .option('--description <text>', 'what was done')
    .option('--category <name>', 'what kind of help (default: the offer\'s or request\'s)')
    .option('--offer <id>', 'the offer it answers')
    .option('--request <id>', 'the request it answers')
    .action(async (options) => (await write()).hoursLogCommand(context(), options));
  hours.command('confirm').description('confirm, with your signature, hours another member logged with you')
    .argument('<id>', 'exchange id or unique prefix (as `hours pending` shows)')
    .action(async (id) => (await write()).hoursConfirmCommand(context(), id));
  hours.command('decline').description('decline hours another member logged with you, saying why')
    .argument('<id>', 'exchange id or unique prefix')
    .requiredOption('--reason <text>', 'why it did not happen as logged')
    .action(async (id, options) => (await write()).hoursDeclineCommand(context(), id, options));
  hours.command('reverse').description('correct a counted exchange: log one that gives the hours back (the other party confirms it)')
    .argument('<id>', 'exchange id or unique prefix (as `hours history` shows)')
    .option('-d, --date <date>', 'date of the correction (default today)')
    .option('--description <text>', 'why')
    .action(async (id, options) => (await write()).hoursReverseCommand(context(), id, options));
  duration(hours.command('record').description('coordinators: record an exchange from a paper slip, for members without a device (counts at once)'))
    .option('--provider <member>', 'who gave the hours')
    .option('--receiver <member>', 'who received them')
    .option('--slip <ref>', 'the paper slip\'s reference')
    .option('-d, --date <date>', 'when (default today)')
    .option('--description <text>', 'what was done')
    .option('--category <name>', 'what kind of help')
    .action(async (options) => (await write()).hoursRecordCommand(context(), options));
  duration(hours.command('give').description('give hours to the community account (yours; coordinators: a member\'s, from a paper slip)'))
    .option('--member <member>', 'coordinators: whose hours (with --slip)')
    .option('--slip <ref>', 'coordinators: the paper slip\'s reference')
    .option('-d, --date <date>', 'when (default today)')
    .option('--description <text>', 'what for')
    .action(async (options) => (await write()).hoursGiveCommand(context(), options));
  duration(hours.command('grant').description('coordinators: give the community\'s hours to a member, as the rules allow'))
    .argument('<member>')
    .option('-d, --date <date>', 'when (default today)')
    .option('--description <text>', 'why')
    .action(async (member, options) => (await write()).hoursGrantCommand(context(), member, options));
  hours.command('pending').description('exchanges waiting for your answer, and those you logged waiting for others').option('--json', 'machine-readable output')
    .action(async (options) => (await read()).hoursPendingCommand(context(), options));
  hours.command('balances').description('every member\'s balance (given − received, with the community\'s grants and gifts) and the community\'s').option('--json', 'machine-readable output')
    .action(async (options) => (await read()).hoursBalancesCommand(context(), options));
  hours.command('history').description('what counted for a member (you by default), with the running balance, and what did not').argument('[member]').option('--json', 'machine-readable output')
    .action(async (member, options) => (await read()).hoursHistoryCommand(context(), member, options));
  hours.command('months').description('hours exchanged per month').option('--json', 'machine-readable output')
    .action(async (options) => (await read()).hoursMonthsCommand(context(), options));
  hours.command('categories').description('the busiest categories, by hours exchanged').option('--json', 'machine-readable output')
    .action(async (options) => (await read()).hoursCategoriesCommand(context(), options));
  hours.command('rules').description('the time bank\'s limits, opening grant and community limit (changed by vote)').option('--json', 'machine-readable output')
    .action(async (options) => (await read()).hoursRulesCommand(context(), options));
  hours.command('export').description('every exchange and community movement as CSV')
    .addOption(new Option('--format <format>', 'output format').choices(['csv']).default('csv'))
    .option('-o, --out <file>', 'write to a file (atomically) instead of standard output')
    .action(async (options) => (await read()).hoursExportCommand(context(), options));

  for (const side of ['offer', 'request'] as const) {
    const listings = async () => import('./commands/listings.js');
    const group = program.command(`${side}s`).description(side === 'offer' ? 'what members offer to do for others' : 'what members ask help with');
    group.command('add').description(`add an ${side === 'offer' ? 'offer' : 'request'} as this device's member`)
      .option('--title <text>', 'a short title')
      .option('--description <text>', 'more about it')
      .option('--category <name>', 'like repairs, garden, childcare')
      .option('--tag <tag>', 'a tag; repeat', collect, [])
      .option('-d, --date <date>', 'open since (default today)')
      .action(async (options) => (await listings()).listingAddCommand(context(), side, options));
    group.command('list').description(`open ${side}s, newest last; search by words and category`)
      .option('--search <words>', 'words found in the title, description, category or tags')
      .option('--category <name>', 'only this category')
      .option('--all', 'closed ones too')
      .option('--json', 'machine-readable output')
      .action(async (options) => (await listings()).listingListCommand(context(), side, options));
    group.command('close').description(`close an ${side} (done, or no longer open)`)
      .argument('<id>', 'id or unique prefix (as `list` shows)')
      .option('--note <text>', 'why')
      .action(async (id, options) => (await listings()).listingCloseCommand(context(), side, id, options));
  }
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}
