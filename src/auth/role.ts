/** The four roles of SPEC section 12. */
export const ROLES = ['admin', 'finance', 'auditor', 'donor'] as const;
export type Role = (typeof ROLES)[number];
