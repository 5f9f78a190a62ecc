// When session-service has ended a session itself (a budget exceeded, a client gone silent), the
// library learns it from a 409 on an ENDED session (its details carry `phase` and `end_reason`) or
// from the session's snapshot, and tells the app why instead of retrying into a closed session.
import { reasonOf } from './event-summary.js';

/**
 * The end reason carried by an error, or null when the error is not about an ended session.
 * @param {any} error an ApiError
 * @returns {string|null}
 */
export function endReasonOf(error) {
  if (error?.status !== 409 || error.details?.phase !== 'ENDED') return null;
  return typeof error.details.end_reason === 'string' ? reasonOf(error.details.end_reason) : 'ended';
}

/**
 * The end reason of a session snapshot (GET /v1/sessions/{id}), or null while it is not ENDED.
 * @param {any} snapshot
 * @returns {string|null}
 */
export function endReasonOfSnapshot(snapshot) {
  if (snapshot?.phase !== 'ENDED') return null;
  return typeof snapshot.end_reason === 'string' ? reasonOf(snapshot.end_reason) : 'ended';
}
