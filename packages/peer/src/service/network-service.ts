import { TallystickError } from '@tallystick/core';
import { admitCommand, inviteCommand } from '../commands/join.js';
import type { CommandContext } from '../context.js';
import { createJoinService } from './join-service.js';
import type { BookApi, Invitation, Saved, ServiceResult } from './protocol.js';
import { record, text } from './requests.js';
import { type SyncHost, type SyncHostOptions, createSyncHost } from './sync-service.js';

/*
 * The Sync screen's and the onboarding join's handlers: the hosted peer (sync-service.ts), invites and
 * join requests (the `invite` and `admit` commands themselves), and joining (join-service.ts).
 */

export type NetworkMethod = 'syncStatus' | 'connect' | 'startSync' | 'changes' | 'invite' | 'admit' | 'joinCoop' | 'joinStatus';

export interface NetworkServiceParts {
  readonly answer: <T>(work: () => Promise<T>) => Promise<ServiceResult<T>>;
  readonly serially: <T>(work: () => Promise<T>) => Promise<T>;
  readonly context: (passphrase?: string) => { context: CommandContext; output: () => string };
  readonly dataDir: string;
  readonly refuseIfFounded: () => Promise<void>;
  readonly log: (line: string) => void;
  /** Undefined: this service does not sync (the unit tests' service). */
  readonly sync: SyncHostOptions | undefined;
}

export function createNetworkService(parts: NetworkServiceParts): { methods: Pick<BookApi, NetworkMethod>; host: SyncHost; joining: () => boolean } {
  const { answer, serially, context } = parts;
  const host = createSyncHost(parts.sync, () => context().context, parts.log);
  const join = createJoinService({
    context: (passphrase) => context(passphrase).context, dataDir: parts.dataDir, refuseIfFounded: parts.refuseIfFounded, log: parts.log,
    onJoined: (signer) => host.startWith(signer),
  });
  return {
    host,
    joining: () => ['waiting', 'fetching'].includes(join.joinStatus().state),
    methods: {
      syncStatus: () => answer(() => host.status()),
      connect: (request) => answer(() => host.connect(text(record(request).address, 'The address'))),
      startSync: (request) => answer(async (): Promise<Saved> => ({ message: await host.start(text(record(request).passphrase, 'The passphrase')) })),
      changes: () => answer(() => host.changes()),
      invite: (request) => answer(async (): Promise<Invitation> => {
        const member = text(record(request).member, 'The new member\'s name', false).trim();
        const { context: command, output } = context();
        await inviteCommand(command, { address: [], ...(member === '' ? {} : { member }) });
        const code = output().trim();
        const message = member === ''
          ? 'Give this code to the new device. It grants nothing by itself: once that device shows its key, a member proposes it (tallystick propose add-member NAME --device KEY) and the members vote.'
          : `Give this code to ${member}'s new device; it is good once. That device answers with a join request: paste it below under "Let a device in". That proposes ${member} and votes yes as you; the others vote as the co-op's rule says.`;
        return { code, message };
      }),
      admit: (request) => answer(() => serially(async (): Promise<Saved> => {
        const input = record(request);
        const passphrase = text(input.passphrase, 'The passphrase', false);
        const joinRequest = text(input.request, 'The join request').trim();
        if (joinRequest === '') throw new TallystickError('invalid_request', 'Paste the join request the new device shows.');
        const { context: command, output } = context(passphrase === '' ? undefined : passphrase);
        await admitCommand(command, joinRequest);
        return { message: output().split('\n').filter((line) => line.trim() !== '' && !line.includes('`tallystick')).join(' ') };
      })),
      joinCoop: (request) => answer(() => serially(() => join.joinCoop(request))),
      joinStatus: () => answer(async () => join.joinStatus()),
    },
  };
}
