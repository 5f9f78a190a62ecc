package dev.rtvoice.tokens.outbox;

/** The outbox holds its limit of undelivered bytes (Kafka has been away for long): the answer is 503. */
public final class OutboxFullException extends RuntimeException {
  public OutboxFullException(long pendingBytes, long maxBytes) {
    super("the outbox holds " + pendingBytes + " undelivered bytes, its limit is " + maxBytes, null, false, false);
  }
}
