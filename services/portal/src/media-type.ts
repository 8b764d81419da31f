// The media types the portal reads and sends: JSON, the CSV of a ticket upload, the bare type of a Content-Type header.
import { CSV_TYPES } from '@tixgo/platform';

export const JSON_TYPE = 'application/json';

/** `text/csv` from `Text/CSV; charset=utf-8`; undefined without a header. */
export function mediaType(contentType: string | undefined): string | undefined {
  return contentType?.split(';', 1)[0]?.trim().toLowerCase();
}

export function isCsvType(type: string | undefined): boolean {
  return type !== undefined && CSV_TYPES.includes(type);
}
