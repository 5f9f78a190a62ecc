package dev.rtvoice.tokens.upstream;

import dev.rtvoice.tokens.domain.UpstreamFailure;

/**
 * The final failure of a request to upstream (a client secret minted, a call created), after whatever
 * retries were allowed; classified the same way for both, and no upstream body is kept.
 */
public final class UpstreamFailedException extends RuntimeException {
  private final UpstreamFailure failure;
  private final int attempts;
  private final long upstreamMs;

  public UpstreamFailedException(UpstreamFailure failure, int attempts, long upstreamMs, String message) {
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
