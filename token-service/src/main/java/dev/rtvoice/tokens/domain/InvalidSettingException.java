package dev.rtvoice.tokens.domain;

/** A caller-supplied setting that the policy refuses; {@link #field()} names it for the 400. */
public final class InvalidSettingException extends RuntimeException {
  private final String field;

  public InvalidSettingException(String field, String message) {
    super(message, null, false, false);
    this.field = field;
  }

  public String field() {
    return field;
  }
}
