// The allocation rule of SPEC.md section 10 ("Allocation runs") as a pure function: it takes the
// budget, the conference parameters and the travel requests, and returns what one run funds and
// why. It imports neither Nest nor TypeORM so that it can be tested exhaustively, including
// against a brute-force search, and so that a preview and a commit can never disagree.
//
// Why greedy is optimal. Phase 1 funds at most one delegate per request, and the cheapest
// delegate of a request is always the best one to fund, so each request has one phase-1 cost.
// Within a tier the requests are tried cheapest first and one that does not fit is skipped; since
// the budget left does not grow, every later request of that tier (which costs as much or more)
// does not fit either. The tier therefore funds its k cheapest requests, where k is the largest
// count that fits, and spends the least any k-request choice can spend. Spending the least leaves
// the most for the next tier, and the largest count that fits only grows with the budget, so no
// other choice can fund more countries in a later tier without funding fewer in an earlier one.
// By induction the greedy choice funds the most countries in tier 1, then 2, then 3, then 4, and
// spends the least among such choices; the property test in the spec checks this against brute
// force.
import { Dec, formatUsd, roundUsd, type Decimal } from '#src/common/money/money.js';

/** 1 LDC on time, 2 other developing country on time, 3 LDC late, 4 other late. */
export type AllocationTier = 1 | 2 | 3 | 4;

/**
 * `funded`: this run funds every delegate of the request that is still eligible and within the
 * maximum; `partially_funded`: some of them; `not_funded`: none of them.
 */
export type AllocationDecision = 'funded' | 'partially_funded' | 'not_funded';

export interface AllocationDelegateInput {
  /** Position of the delegate in the travel request; breaks ties between delegates of equal cost. */
  readonly index: number;
  readonly name: string;
  readonly airfareUsd: Decimal;
  /** True when a committed allocation that has not been released funds this delegate. */
  readonly funded: boolean;
  /** True when the delegate belonged to an allocation that was released; never funded again. */
  readonly released: boolean;
}

export interface AllocationRequestInput {
  readonly requestId: string;
  /** ISO 3166-1 alpha-3 code; the last tie-break between requests of equal cost and date. */
  readonly countryCode: string;
  readonly ldc: boolean;
  readonly late: boolean;
  /** `YYYY-MM-DD`, so that comparing the strings compares the dates. */
  readonly nominatedOn: string;
  readonly delegates: readonly AllocationDelegateInput[];
}

export interface AllocationInput {
  /** What the run may spend; a negative budget (a deficit) funds nothing, like zero. */
  readonly budgetUsd: Decimal;
  readonly dsaRateUsd: Decimal;
  /** A count of nights, not money, so a plain integer. */
  readonly dsaNights: number;
  readonly terminalExpensesUsd: Decimal;
  readonly maxDelegatesLdc: number;
  readonly maxDelegatesOther: number;
  readonly requests: readonly AllocationRequestInput[];
}

export interface AllocationLine {
  readonly requestId: string;
  readonly countryCode: string;
  readonly tier: AllocationTier;
  readonly ldc: boolean;
  readonly late: boolean;
  /** Number of delegates in the travel request, whatever their state. */
  readonly delegatesRequested: number;
  /** Number of delegates this run funds. */
  readonly delegatesFunded: number;
  /** Indexes of the delegates this run funds, ascending. */
  readonly fundedDelegateIndexes: readonly number[];
  /** The money columns cover the delegates this run funds only, and are zero when it funds none. */
  readonly airfareUsd: Decimal;
  readonly dsaUsd: Decimal;
  readonly terminalUsd: Decimal;
  readonly amountUsd: Decimal;
  readonly decision: AllocationDecision;
  readonly reason: string;
}

export interface AllocationResult {
  /** Sum of the lines' `amountUsd`; never more than the budget. */
  readonly spentUsd: Decimal;
  readonly lines: readonly AllocationLine[];
}

interface DelegateCost {
  readonly index: number;
  readonly airfareUsd: Decimal;
  readonly dsaUsd: Decimal;
  readonly terminalUsd: Decimal;
  readonly costUsd: Decimal;
}

/** A delegate that did not fit, and what was left of the budget when the rule tried it. */
interface Shortfall {
  readonly costUsd: Decimal;
  readonly remainingUsd: Decimal;
}

/** The working state of one request during a run; private to this module. */
interface RequestState {
  readonly request: AllocationRequestInput;
  readonly tier: AllocationTier;
  readonly maxDelegates: number;
  /** Delegates neither funded nor released, cheapest first, ties by index. */
  readonly eligible: readonly DelegateCost[];
  /** The first of `eligible`: the delegate phase 1 funds and the request's sort key. */
  readonly cheapest: DelegateCost;
  readonly fundedBefore: number;
  readonly released: number;
  /** How many eligible delegates the maximum still allows this run to fund. */
  readonly withinMax: number;
  /** A request with a funded or released delegate went through phase 1 in an earlier run. */
  readonly pastPhaseOne: boolean;
  readonly fundedThisRun: DelegateCost[];
  shortfall: Shortfall | undefined;
}

const ZERO = new Dec(0);

/** The tier of SPEC.md section 10; exported so that travel requests report the same tier. */
export function tierOf(ldc: boolean, late: boolean): AllocationTier {
  if (late) return ldc ? 3 : 4;
  return ldc ? 1 : 2;
}

/**
 * Runs the allocation rule once. Pure and deterministic: the same input, in any request order,
 * gives deep-equal output. Throws `RangeError` on input that no valid service call can produce
 * (negative money, fractional counts, duplicate ids, a delegate both funded and released).
 */
export function allocateTravelSupport(input: AllocationInput): AllocationResult {
  assertValidInput(input);
  // A request with no eligible delegate within its maximum has nothing left for the rule to
  // consider, so it takes no part in the run and gets no line.
  const states = input.requests
    .flatMap((request) => prepareRequest(request, input) ?? [])
    .sort(compareRequests);
  const budgetUsd = Dec.max(input.budgetUsd, ZERO);
  runPhaseTwo(states, runPhaseOne(states, budgetUsd));
  const lines = states.map(toLine);
  // Summing the lines rather than subtracting what remains keeps `spentUsd` a sum of cent amounts
  // even when the budget itself carries more decimals.
  const spentUsd = lines.reduce((total, line) => total.plus(line.amountUsd), ZERO);
  return { spentUsd, lines };
}

// Every figure the rule adds up is rounded to cents here, once, with the ledger's half-even
// rounding. Inputs arrive in cents already, so this changes nothing today; it guarantees that the
// lines always sum exactly to `spentUsd` and that the money columns format without rounding.
function prepareRequest(
  request: AllocationRequestInput,
  input: AllocationInput,
): RequestState | undefined {
  const dsaUsd = roundUsd(input.dsaRateUsd.times(input.dsaNights));
  const terminalUsd = roundUsd(input.terminalExpensesUsd);
  const eligible = request.delegates
    .filter((delegate) => !delegate.funded && !delegate.released)
    .map((delegate): DelegateCost => {
      const airfareUsd = roundUsd(delegate.airfareUsd);
      const costUsd = airfareUsd.plus(dsaUsd).plus(terminalUsd);
      return { index: delegate.index, airfareUsd, dsaUsd, terminalUsd, costUsd };
    })
    .sort((a, b) => a.costUsd.comparedTo(b.costUsd) || a.index - b.index);
  const fundedBefore = request.delegates.filter((delegate) => delegate.funded).length;
  const released = request.delegates.filter((delegate) => delegate.released).length;
  const maxDelegates = request.ldc ? input.maxDelegatesLdc : input.maxDelegatesOther;
  // A released delegate does not count against the maximum: the maximum caps the delegates the
  // fund pays for, and a released allocation pays for nobody.
  const withinMax = Math.min(Math.max(0, maxDelegates - fundedBefore), eligible.length);
  const [cheapest] = eligible;
  if (withinMax === 0 || cheapest === undefined) return undefined;
  return {
    request,
    tier: tierOf(request.ldc, request.late),
    maxDelegates,
    eligible,
    cheapest,
    fundedBefore,
    released,
    withinMax,
    pastPhaseOne: fundedBefore + released > 0,
    fundedThisRun: [],
    shortfall: undefined,
  };
}

/** Tier, then cost of the cheapest eligible delegate, then nomination date, then country code. */
function compareRequests(a: RequestState, b: RequestState): number {
  return (
    a.tier - b.tier ||
    a.cheapest.costUsd.comparedTo(b.cheapest.costUsd) ||
    compareStrings(a.request.nominatedOn, b.request.nominatedOn) ||
    compareStrings(a.request.countryCode, b.request.countryCode) ||
    // One request per country per conference makes this unreachable in practice; it keeps the
    // order total, and so the output deterministic, whatever the caller passes.
    compareStrings(a.request.requestId, b.request.requestId)
  );
}

/** Code-unit order rather than `localeCompare`, so that the order never depends on the locale. */
function compareStrings(a: string, b: string): number {
  if (a === b) return 0;
  return a < b ? -1 : 1;
}

/** Funds the cheapest delegate of each request not yet past phase 1; returns the budget left. */
function runPhaseOne(states: readonly RequestState[], budgetUsd: Decimal): Decimal {
  let remainingUsd = budgetUsd;
  for (const state of states) {
    if (state.pastPhaseOne) continue;
    remainingUsd = tryToFund(state, state.cheapest, remainingUsd);
  }
  return remainingUsd;
}

/**
 * Funds further delegates, cheapest first, of the requests phase 1 funded in this run and of the
 * requests past phase 1, in the phase-1 order; returns the budget left.
 */
function runPhaseTwo(states: readonly RequestState[], budgetUsd: Decimal): Decimal {
  let remainingUsd = budgetUsd;
  for (const state of states) {
    if (!state.pastPhaseOne && state.fundedThisRun.length === 0) continue;
    // Delegates are sorted cheapest first, so the first `withinMax` are the only ones the maximum
    // lets this run fund; a delegate that does not fit is skipped and the next one is tried.
    for (const delegate of state.eligible.slice(0, state.withinMax)) {
      if (state.fundedThisRun.includes(delegate)) continue;
      remainingUsd = tryToFund(state, delegate, remainingUsd);
    }
  }
  return remainingUsd;
}

/** Funds the delegate when it fits, or records the first shortfall; returns the budget left. */
function tryToFund(state: RequestState, delegate: DelegateCost, remainingUsd: Decimal): Decimal {
  if (delegate.costUsd.lessThanOrEqualTo(remainingUsd)) {
    state.fundedThisRun.push(delegate);
    return remainingUsd.minus(delegate.costUsd);
  }
  state.shortfall ??= { costUsd: delegate.costUsd, remainingUsd };
  return remainingUsd;
}

function toLine(state: RequestState): AllocationLine {
  const funded = state.fundedThisRun;
  const sum = (pick: (delegate: DelegateCost) => Decimal): Decimal =>
    funded.reduce((total, delegate) => total.plus(pick(delegate)), ZERO);
  const { request } = state;
  return {
    requestId: request.requestId,
    countryCode: request.countryCode,
    tier: state.tier,
    ldc: request.ldc,
    late: request.late,
    delegatesRequested: request.delegates.length,
    delegatesFunded: funded.length,
    fundedDelegateIndexes: funded.map((delegate) => delegate.index).sort((a, b) => a - b),
    airfareUsd: sum((delegate) => delegate.airfareUsd),
    dsaUsd: sum((delegate) => delegate.dsaUsd),
    terminalUsd: sum((delegate) => delegate.terminalUsd),
    amountUsd: sum((delegate) => delegate.costUsd),
    decision: decisionOf(state),
    reason: reasonOf(state),
  };
}

function decisionOf(state: RequestState): AllocationDecision {
  if (state.fundedThisRun.length === 0) return 'not_funded';
  return state.fundedThisRun.length === state.withinMax ? 'funded' : 'partially_funded';
}

/**
 * Explains the line in words. The clauses account for every delegate of the request: funded
 * now, not funded for lack of money, funded earlier, released, or beyond the maximum.
 */
function reasonOf(state: RequestState): string {
  const fundedNow = state.fundedThisRun.length;
  const clauses = [fundedNow === 0 ? notFundedHead(state) : fundedHead(state)];
  const shortOfMoney = state.withinMax - fundedNow;
  if (fundedNow > 0 && shortOfMoney > 0) {
    clauses.push(`${shortOfMoney} not funded: ${shortfallText(state.shortfall, 'next delegate')}`);
  }
  if (state.fundedBefore > 0) {
    clauses.push(`${state.fundedBefore} already funded by an earlier allocation`);
  }
  if (state.released > 0) {
    clauses.push(`${state.released} in a released allocation and not funded again`);
  }
  const beyondMax = state.eligible.length - state.withinMax;
  if (beyondMax > 0) {
    const who = state.request.ldc ? 'an LDC' : 'a country that is not an LDC';
    clauses.push(`${beyondMax} beyond the maximum of ${state.maxDelegates} for ${who}`);
  }
  return clauses.join('; ');
}

function fundedHead(state: RequestState): string {
  const requested = state.request.delegates.length;
  const noun = requested === 1 ? 'delegate' : 'delegates';
  return `Funded ${state.fundedThisRun.length} of ${requested} ${noun}`;
}

function notFundedHead(state: RequestState): string {
  const which = state.pastPhaseOne ? 'cheapest delegate not yet funded' : 'cheapest delegate';
  return `Not funded: ${shortfallText(state.shortfall, which)}`;
}

function shortfallText(shortfall: Shortfall | undefined, which: string): string {
  // A request funded below its maximum always met a delegate that did not fit, because the rule
  // tries every eligible delegate within the maximum; the fallback keeps the type honest.
  if (shortfall === undefined) return 'the budget did not cover it';
  const costText = withThousands(shortfall.costUsd);
  return `the ${which} costs ${costText} USD and ${withThousands(shortfall.remainingUsd)} USD remained`;
}

/** `3150` → `3,150.00`: cents, with thousands separators, without going through a JS number. */
function withThousands(value: Decimal): string {
  // The remaining budget carries more than cents when the budget does, so it is rounded first.
  const fixed = formatUsd(roundUsd(value));
  const whole = fixed.slice(0, -3).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${whole}${fixed.slice(-3)}`;
}

function assertValidInput(input: AllocationInput): void {
  assertCount(input.dsaNights, 'dsaNights');
  assertCount(input.maxDelegatesLdc, 'maxDelegatesLdc');
  assertCount(input.maxDelegatesOther, 'maxDelegatesOther');
  assertNotNegative(input.dsaRateUsd, 'dsaRateUsd');
  assertNotNegative(input.terminalExpensesUsd, 'terminalExpensesUsd');
  const requestIds = new Set<string>();
  for (const request of input.requests) {
    if (requestIds.has(request.requestId)) {
      throw new RangeError(`requestId ${request.requestId} appears twice`);
    }
    requestIds.add(request.requestId);
    if (!/^\d{4}-\d{2}-\d{2}$/.test(request.nominatedOn)) {
      throw new RangeError(`nominatedOn of ${request.requestId} is not YYYY-MM-DD`);
    }
    assertValidDelegates(request);
  }
}

function assertValidDelegates(request: AllocationRequestInput): void {
  const indexes = new Set<number>();
  for (const delegate of request.delegates) {
    const where = `delegate ${delegate.index} of ${request.requestId}`;
    assertCount(delegate.index, `index of ${where}`);
    if (indexes.has(delegate.index)) throw new RangeError(`${where} appears twice`);
    indexes.add(delegate.index);
    assertNotNegative(delegate.airfareUsd, `airfareUsd of ${where}`);
    if (delegate.funded && delegate.released) {
      throw new RangeError(`${where} cannot be both funded and released`);
    }
  }
}

function assertCount(value: number, name: string): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`${name} must be a non-negative integer, got ${value}`);
  }
}

function assertNotNegative(value: Decimal, name: string): void {
  if (!value.isFinite() || value.isNegative()) {
    throw new RangeError(`${name} must be a non-negative amount, got ${value.toString()}`);
  }
}
