// Recognises PostgreSQL errors by SQLSTATE, so repositories translate them where the SQL runs.

export const SQLSTATE = {
  uniqueViolation: '23505',
  foreignKeyViolation: '23503',
  checkViolation: '23514',
} as const;

export function hasSqlState(error: unknown, state: string): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === state;
}

export const isUniqueViolation = (error: unknown) => hasSqlState(error, SQLSTATE.uniqueViolation);
