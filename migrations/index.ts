import { Foundation1764320000000 } from '#migrations/1764320000000-Foundation.js';
import { AppendOnlyAudit1764320000001 } from '#migrations/1764320000001-AppendOnlyAudit.js';

/** Every migration in the order it runs. Migrations are never edited once they have landed. */
export const MIGRATIONS: Function[] = [Foundation1764320000000, AppendOnlyAudit1764320000001];
