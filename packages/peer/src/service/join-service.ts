import { resolve } from 'node:path';
import { TallystickError } from '@tallystick/core';
import type { NodeEntrySigner } from '@tallystick/sync';
import type { JoinStep } from '@tallystick/sync/network';
import type { CommandContext } from '../context.js';
import { JOIN_WAIT_MAXIMUM_ATTEMPTS, type JoiningDevice, fetchInvitedCoop, prepareJoin } from '../commands/join.js';
import { checkNewPassphrase } from '../commands/init.js';
import type { JoinCoopInput, JoinStatus, ServiceFailure } from './protocol.js';
import { describeFailure, record, text } from './requests.js';

/*
 * The onboarding's "Join with an invite code": the same two halves as `tallystick join CODE --wait`
 * (commands/join.ts). The first (read the code, make the device key) answers at once, with the key and,
 * for a named invite, the join request; the second runs in the background, trying every 3 s until the
 * members have voted this device in, then fetches the co-op. The app polls `joinStatus` meanwhile.
 */

const MAXIMUM_CODE_CHARACTERS = 4_096;

export interface JoinServiceParts {
  readonly context: (passphrase?: string) => CommandContext;
  readonly dataDir: string;
  /** Refuses when the folder holds a co-op already (onboarding is for an empty folder). */
  readonly refuseIfFounded: () => Promise<void>;
  /** Called once the co-op is here, with the unlocked key: the service starts syncing. */
  readonly onJoined: (signer: NodeEntrySigner) => Promise<unknown>;
  readonly log: (line: string) => void;
}

export function createJoinService(parts: JoinServiceParts): { joinCoop: (request: unknown) => Promise<JoinStatus>; joinStatus: () => JoinStatus } {
  let status: JoinStatus = { state: 'idle', message: 'No join has been asked for.', attempts: 0 };
  const update = (next: Partial<JoinStatus>) => { status = { ...status, ...next }; };

  const run = async (joining: JoiningDevice, command: CommandContext) => {
    try {
      await fetchInvitedCoop(command, joining, {
        attempts: JOIN_WAIT_MAXIMUM_ATTEMPTS, wait: true,
        onRefused: (outcome, attempt) => { update({ state: 'waiting', attempts: attempt, message: waitingWords(joining, outcome.code === 'refused', outcome.reason) }); },
        onProgress: (progress) => { update(progressOf(joining, progress)); },
      });
      update({ state: 'joined', message: `Joined ${joining.invite.name}: this device holds its books now.`, dataFolder: resolve(parts.dataDir) });
      await parts.onJoined(joining.signer).catch((error: unknown) => { parts.log(`tallystick service: starting sync after the join: ${String(error)}`); });
    } catch (error) {
      update({ state: 'failed', message: 'The join stopped; nothing of the co-op was recorded here.', error: failureOf(error, parts.log) });
    }
  };

  return {
    joinStatus: () => status,
    joinCoop: async (request) => {
      if (status.state === 'waiting' || status.state === 'fetching') return status;
      const input = readJoinCoopInput(request);
      await parts.refuseIfFounded();
      const command = parts.context(input.passphrase);
      let joining: JoiningDevice;
      try {
        joining = await prepareJoin(command, input.code, {
          existing: async () => input.passphrase,
          fresh: async () => { checkNewPassphrase(input.passphrase, input.passphraseAgain); return input.passphrase; },
        });
      } catch (error) {
        if (error instanceof TallystickError && error.code === 'invalid_invite') {
          throw new TallystickError('invalid_invite', `${error.message.replace(/;.*$/u, '')}. Ask the member who invited you for the whole code their Tallystick shows, and paste all of it.`);
        }
        throw error;
      }
      status = {
        state: 'waiting', coopName: joining.invite.name, device: joining.signer.publicKey, attempts: 0,
        ...(joining.request !== undefined ? { request: joining.request } : {}), ...(joining.invite.member !== undefined ? { member: joining.invite.member } : {}),
        message: `Reaching the device of the member who invited you to ${joining.invite.name}…`,
      };
      void run(joining, command);
      return status;
    },
  };
}

function readJoinCoopInput(value: unknown): JoinCoopInput {
  const request = record(value);
  const code = request.code;
  if (typeof code !== 'string' || code.trim() === '' || code.length > MAXIMUM_CODE_CHARACTERS) {
    throw new TallystickError('invalid_request', 'Paste the invite code a member gave you (it starts with tallystick-invite:).');
  }
  return { code: code.trim(), passphrase: text(request.passphrase, 'The passphrase'), passphraseAgain: text(request.passphraseAgain, 'The repeated passphrase', false) };
}

function waitingWords(joining: JoiningDevice, refused: boolean, reason: string): string {
  if (!refused) return `Cannot reach the device of the member who invited you (${reason}). Is Tallystick running there, and reachable from here? Trying again every 3 seconds.`;
  if (joining.request !== undefined) {
    return `Waiting to be let in: give the join request below to the member who invited you. They paste it under "Let a device in" on their Sync screen; then the members vote. Trying every 3 seconds.`;
  }
  return 'Waiting for the members to vote this device in: give this device\'s key below to a member, who proposes you with it (tallystick propose add-member YOUR-NAME --device KEY); then the members vote. Trying every 3 seconds.';
}

function progressOf(joining: JoiningDevice, progress: JoinStep): Partial<JoinStatus> {
  switch (progress.step) {
    case 'connecting': return {};
    case 'catalog': return { state: 'fetching', message: `Let in. Fetching ${joining.invite.name}'s catalog…` };
    case 'months': return { state: 'fetching', done: progress.done, total: progress.total, message: `Fetching ${joining.invite.name}'s books: ${progress.done} of ${progress.total} month${progress.total === 1 ? '' : 's'}…` };
  }
}

function failureOf(error: unknown, log: (line: string) => void): ServiceFailure {
  if (error instanceof TallystickError) return describeFailure(error);
  log(`tallystick service: join: ${error instanceof Error ? error.stack : String(error)}`);
  return { code: 'internal', message: 'Something went wrong inside Tallystick while joining; nothing of the co-op was recorded. The details are in the log.' };
}
