package dev.rtvoice.tokens.calls;

import dev.rtvoice.tokens.domain.UpstreamFailure;

/** Upstream did not create the call; the failure is classified as an issuance's is. No upstream body is kept. */
public final class CallFailedException extends RuntimeException {
  private final UpstreamFailure failure;
  private final int attempts;
  private final long upstreamMs;

  CallFailedException(UpstreamFailure failure, int attempts, long upstreamMs, String message) {
    super(message, null, false, false);
    this.failure = failure;
    this.attempts = attempts;
    this.upstreamMs = upstreamMs;
  }

  public UpstreamFailure failure() {
    return failure;
  }

  public int attempts() {
    return attempts;
  }

  public long upstreamMs() {
    return upstreamMs;
  }
}
