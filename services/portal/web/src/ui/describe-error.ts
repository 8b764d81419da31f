// One sentence for a person from any failure of an API call.
import { ApiError } from '../api/http.js';
import { t } from '../i18n/index.js';

export function describeError(error: unknown): string {
  if (!(error instanceof ApiError)) return t('error.generic', { detail: String(error) });
  if (error.status === 0) return t(error.detail === 'timeout' ? 'error.timeout' : 'error.unreachable');
  if (error.status === 504) return t('error.timeout');
  if (error.status === 502 || error.status === 503) return t('error.unreachable');
  if (error.status >= 500) return t('error.server', { status: error.status });
  if (error.status === 403) return t('error.forbidden');
  return t('error.generic', { detail: error.detail });
}
