// The HTTP status of a failed client-node call, when it has one.

import { firstLine } from '../syntax/first-line.js';

export function apiStatus(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'number' ? code : undefined;
}

/** The API server's own words: the `message` of the Status object it answered. */
function statusMessage(error: unknown): string | undefined {
  const body = typeof error === 'object' && error !== null ? (error as { body?: unknown }).body : undefined;
  try {
    const parsed: unknown = typeof body === 'string' ? JSON.parse(body) : body;
    const message = typeof parsed === 'object' && parsed !== null ? (parsed as { message?: unknown }).message : undefined;
    return typeof message === 'string' ? message : undefined;
  } catch {
    return undefined;
  }
}

/** One line for a log or an error: the status and what the API server said. */
export function describeApiError(error: unknown): string {
  const status = apiStatus(error);
  const message = statusMessage(error) ?? (error instanceof Error ? firstLine(error.message) : String(error));
  return status === undefined ? message : `HTTP ${status}: ${message}`;
}
