import { type ListingRecord, type PayloadOf, MAX_TAGS, MAX_TITLE, TallystickError, findListings } from '@tallystick/core';
import { type CommandContext, loadBookView, openFolder, print } from '../context.js';
import { actingMember, findListing, loadTimebank } from '../timebank-context.js';
import { dateOf, oneLine, writeTimebankEntry } from './hours-write.js';

/*
 * `offers` and `requests`: what members offer to do and ask for help with. Add (as this device's
 * member), list and search (by words and category; open ones unless --all), close when done.
 */

export type ListingSide = 'offer' | 'request';

export interface ListingAddOptions {
  title?: string;
  description?: string;
  category?: string;
  tag?: string[];
  date?: string;
}

export async function listingAddCommand(context: CommandContext, side: ListingSide, options: ListingAddOptions): Promise<void> {
  const title = oneLine(options.title, 'title');
  if (title.length > MAX_TITLE) throw new TallystickError('invalid_title', `a title is at most ${MAX_TITLE} characters`);
  const category = oneLine(options.category, 'category').toLowerCase();
  const tags = [...new Set((options.tag ?? []).map((tag) => oneLine(tag, 'tag').toLowerCase()))];
  if (tags.length > MAX_TAGS || tags.some((tag) => tag.length > 50)) throw new TallystickError('invalid_tag', `at most ${MAX_TAGS} tags of at most 50 characters each`);
  const view = await loadBookView(context);
  const me = actingMember(view.governance.roster, await deviceKey(context), ['timebank'], `add ${side}s`);
  const payload: PayloadOf<'listing'> = { date: dateOf(context, options.date), side, title, description: (options.description ?? '').trim().slice(0, 4096), category, tags };
  const id = await writeTimebankEntry(context, view, { kind: 'listing', payload });
  print(context, `Saved ${side} ${id.slice(0, 12)} by ${me}: ${title} [${category}${tags.length > 0 ? `; ${tags.join(', ')}` : ''}].`);
}

export async function listingListCommand(context: CommandContext, side: ListingSide, options: { search?: string; category?: string; all?: boolean; json?: boolean }): Promise<void> {
  const timebank = await loadTimebank(context, { movements: false });
  const found = findListings(timebank.listings, {
    side, ...(options.search !== undefined ? { text: options.search } : {}), ...(options.category !== undefined ? { category: options.category } : {}), includeClosed: options.all === true,
  });
  if (options.json) {
    print(context, JSON.stringify(found, null, 2));
    return;
  }
  if (found.length === 0) {
    print(context, `No ${options.all ? '' : 'open '}${side}s${options.search || options.category ? ' match' : ' yet'}.`);
    return;
  }
  for (const listing of found) print(context, describeListing(listing));
}

function describeListing(listing: ListingRecord): string {
  const closed = listing.closed ? `  [closed ${listing.closed.date} by ${listing.closed.by}${listing.closed.note ? `: ${listing.closed.note}` : ''}]` : '';
  const tags = listing.tags.length > 0 ? `  #${listing.tags.join(' #')}` : '';
  return `${listing.id.slice(0, 12)}  ${listing.date}  ${listing.member}  ${listing.title}  [${listing.category}]${tags}${closed}${listing.description ? `\n    ${listing.description}` : ''}`;
}

export async function listingCloseCommand(context: CommandContext, side: ListingSide, idOrPrefix: string, options: { note?: string }): Promise<void> {
  const view = await loadBookView(context);
  const me = actingMember(view.governance.roster, await deviceKey(context), ['timebank', 'coordinate'], `close ${side}s`);
  const listing = findListing((await loadTimebank(context, { movements: false })).listings, idOrPrefix, side);
  if (listing.closed) throw new TallystickError('already_closed', `${side} ${listing.id.slice(0, 12)} "${listing.title}" was closed on ${listing.closed.date}; nothing was written`);
  const coordinator = view.governance.roster.roles.find((role) => role.name === view.governance.roster.members.find((member) => member.name === me)?.role)?.may.includes('coordinate') === true;
  if (listing.member !== me && !coordinator) throw new TallystickError('not_listing_owner', `"${listing.title}" is ${listing.member}'s ${side}: they (or a coordinator) close it; nothing was written`);
  const note = options.note === undefined ? {} : { note: oneLine(options.note, 'note') };
  await writeTimebankEntry(context, view, { kind: 'listing-close', payload: { date: dateOf(context, undefined), listing: listing.id, ...note } });
  print(context, `Closed ${side} ${listing.id.slice(0, 12)}: ${listing.title}.`);
}

async function deviceKey(context: CommandContext): Promise<string> {
  const { readDevicePublicKey } = await import('@tallystick/sync');
  return readDevicePublicKey((await openFolder(context)).keyPath);
}
