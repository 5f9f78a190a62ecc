package dev.rtvoice.tokens.upstream;

import dev.rtvoice.tokens.domain.UpstreamFailure;

/** The final failure of a resilient mint, after whatever retries were allowed. */
public final class MintFailedException extends RuntimeException {
  private final UpstreamFailure failure;
  private final int attempts;
  private final long upstreamMs;

  public MintFailedException(UpstreamFailure failure, int attempts, long upstreamMs, String message) {
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
