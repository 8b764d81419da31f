// Where this service's SQL migrations live: beside src/ and dist/, so both find them.
import { fileURLToPath } from 'node:url';

export const MIGRATIONS_DIR = fileURLToPath(new URL('../migrations', import.meta.url));
