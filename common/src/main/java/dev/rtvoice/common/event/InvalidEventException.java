package dev.rtvoice.common.event;

/** A record that does not satisfy the event contract; {@link #field()} names the offending field. */
public final class InvalidEventException extends RuntimeException {
  private final String field;
  private final String reason;

  public InvalidEventException(String field, String reason) {
    super(field + ": " + reason);
    this.field = field;
    this.reason = reason;
  }

  public String field() {
    return field;
  }

  /** What is wrong with {@link #field()}, without the field's name. */
  public String reason() {
    return reason;
  }
}
