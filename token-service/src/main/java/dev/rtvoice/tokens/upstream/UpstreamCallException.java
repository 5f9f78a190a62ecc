package dev.rtvoice.tokens.upstream;

import dev.rtvoice.tokens.domain.UpstreamFailure;

/** A failed upstream attempt, carrying its classification (never upstream's body). */
public final class UpstreamCallException extends RuntimeException {
  private final UpstreamFailure failure;

  public UpstreamCallException(UpstreamFailure failure, String message) {
    super(message, null, false, false);
    this.failure = failure;
  }

  public UpstreamFailure failure() {
    return failure;
  }
}
