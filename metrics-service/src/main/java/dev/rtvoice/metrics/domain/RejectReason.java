package dev.rtvoice.metrics.domain;

/** Why one sample was not taken; the wire code is what the client sees in {@code rejections[].reason}. */
public enum RejectReason {
  /** The batch element is not a JSON object. */
  NOT_AN_OBJECT("not_an_object"),
  /** {@code session_id} is not a string. */
  INVALID_SESSION_ID("invalid_session_id"),
  /** The sample names another session than the rotation token's. */
  SESSION_MISMATCH("session_mismatch"),
  /** {@code stage} is missing, not a string, not a stage, or a stage clients do not report. */
  UNKNOWN_STAGE("unknown_stage"),
  /** {@code value_ms} is missing, not a number, or not finite. */
  INVALID_VALUE("invalid_value"),
  /** {@code value_ms} is outside 0 .. 120,000. */
  OUT_OF_RANGE("out_of_range"),
  /** {@code occurred_at} is missing or not an ISO-8601 instant / epoch milliseconds. */
  INVALID_OCCURRED_AT("invalid_occurred_at"),
  /** {@code occurred_at} is older than the allowed lateness (or its bucket is already closed). */
  TOO_LATE("too_late"),
  /** {@code occurred_at} is further in the future than the allowed clock skew. */
  IN_FUTURE("in_future"),
  /** {@code turn} is missing, not an integer, or negative. */
  INVALID_TURN("invalid_turn"),
  /** {@code platform} is missing, empty, too long, or has characters other than {@code [A-Za-z0-9._-]}. */
  INVALID_PLATFORM("invalid_platform"),
  /** {@code model} is not a string, too long, or has characters other than {@code [A-Za-z0-9._:-]}. */
  INVALID_MODEL("invalid_model");

  private final String code;

  RejectReason(String code) {
    this.code = code;
  }

  public String code() {
    return code;
  }

  @Override
  public String toString() {
    return code;
  }
}
