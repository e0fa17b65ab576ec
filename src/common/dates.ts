/** Dates travel as `YYYY-MM-DD` and mean a calendar day, with no time zone. */
const DATE_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;

export function isIsoDate(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  const match = DATE_PATTERN.exec(value);
  if (!match) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  return (
    year >= 1900 &&
    date.getUTCFullYear() === year &&
    date.getUTCMonth() === month - 1 &&
    date.getUTCDate() === day
  );
}

/** Today's date in UTC: the API's notion of "today" for DATE_IN_FUTURE and report defaults. */
export function todayUtc(now: Date = new Date()): string {
  return now.toISOString().slice(0, 10);
}

/** Dates in this format compare correctly as strings. */
export function maxDate(...dates: (string | null | undefined)[]): string {
  return dates.filter((d): d is string => typeof d === 'string').reduce((a, b) => (b > a ? b : a));
}
