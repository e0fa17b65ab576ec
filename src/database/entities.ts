import { ApiKey } from '#src/auth/api-key.entity.js';
import { AuditEvent } from '#src/audit/audit-event.entity.js';
import { Donor } from '#src/donors/donor.entity.js';

/** Every entity, listed once, so the API, the CLI and the migration tool agree. */
export const ENTITIES = [ApiKey, AuditEvent, Donor];
