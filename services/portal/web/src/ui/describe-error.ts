// One sentence for a person from any failure of an API call, in the page's language.
import { ApiError } from '../api/http.js';
import { t } from '../i18n/index.js';
import { describeDetail, describeProblems, problemsOf } from './describe-problems.js';

export function describeError(error: unknown): string {
  if (!(error instanceof ApiError)) return t('error.generic', { detail: String(error) });
  // No answer at all: the device's network (or the portal) is away.
  if (error.status === 0) return t(error.detail === 'timeout' ? 'error.timeout' : 'error.unreachable');
  if (error.status === 504) return t('error.timeout');
  // The portal answered: the network is fine, a service behind it is down.
  if (error.status === 502 || error.status === 503) return t('error.serviceDown');
  if (error.status >= 500) return t('error.server', { status: error.status });
  if (error.status === 403) return t('error.forbidden');
  const problems = problemsOf(error.body);
  if (problems) return t('error.invalid', { detail: describeProblems(problems) });
  return t('error.generic', { detail: describeDetail(error.detail) });
}
