package dev.rtvoice.common.event;

/** A record that does not satisfy the event contract; {@link #field()} names the offending field. */
public final class InvalidEventException extends RuntimeException {
  private final String field;

  public InvalidEventException(String field, String reason) {
    super(field + ": " + reason);
    this.field = field;
  }

  public String field() {
    return field;
  }
}
