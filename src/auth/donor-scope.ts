import type { Actor } from '#src/auth/actor.js';

/** What a list may show a caller: every donor, one donor, or nothing at all. */
export type DonorScope = { kind: 'all' } | { kind: 'donor'; donorId: string } | { kind: 'none' };

/**
 * The donor filter of a list. A donor key sees only its own donor whatever it asks for (asking
 * for another donor gives an empty list, not an error, as if that donor had nothing); other
 * keys see what they ask for.
 */
export function donorScope(actor: Actor, requestedDonorId: string | undefined): DonorScope {
  if (actor.role === 'donor') {
    if (requestedDonorId !== undefined && requestedDonorId !== actor.donorId)
      return { kind: 'none' };
    return { kind: 'donor', donorId: actor.donorId! };
  }
  return requestedDonorId === undefined
    ? { kind: 'all' }
    : { kind: 'donor', donorId: requestedDonorId };
}

/** Whether a resource of `donorId` is visible to the caller (a donor key: its own only). */
export function canSeeDonor(actor: Actor, donorId: string): boolean {
  return actor.role !== 'donor' || actor.donorId === donorId;
}
