package dev.rtvoice.sessions.domain;

/** Input that does not satisfy the event summary contract; {@link #field()} names the field. */
public final class InvalidSummaryException extends RuntimeException {
  private final String field;

  public InvalidSummaryException(String field, String message) {
    super(field + ": " + message, null, false, false);
    this.field = field;
  }

  public String field() {
    return field;
  }
}
