package dev.rtvoice.tokens.domain;

/**
 * Why a call to upstream did not produce a client secret, classified for the three decisions that
 * depend on it: retry or not, count against the circuit breaker or not, and which
 * {@code token.rotation_failed} reason to report. Carries no response body: upstream error bodies
 * are never echoed.
 *
 * @param status the HTTP status upstream answered, 0 when it answered nothing
 * @param retryAfterMs upstream's Retry-After in ms, -1 when it sent none
 */
public record UpstreamFailure(Kind kind, int status, long retryAfterMs) {

  /** The classes of failure. */
  public enum Kind {
    /** 5xx. */
    SERVER_ERROR(true, "upstream_5xx"),
    /** 429, possibly with Retry-After. */
    RATE_LIMITED(true, "upstream_429"),
    /** No complete answer within the attempt's timeout. */
    TIMEOUT(true, "upstream_timeout"),
    /** Connection refused, reset, DNS or TLS failure: upstream did not answer at all. */
    UNREACHABLE(true, "upstream_timeout"),
    /** A 2xx whose body is not a client secret (a proxy's error page, a truncated body). */
    INVALID_RESPONSE(true, "upstream_5xx"),
    /** 401/403: our API key is wrong or revoked. Never retried; it pages someone. */
    AUTH_REJECTED(false, "upstream_auth"),
    /** Any other 4xx: upstream refused what we sent (a model it does not know). Not retried. */
    REQUEST_REJECTED(false, "upstream_4xx"),
    /** The breaker is open: upstream was failing, so we do not call it for a while. */
    CIRCUIT_OPEN(false, "circuit_open");

    private final boolean transientFailure;
    private final String rotationReason;

    Kind(boolean transientFailure, String rotationReason) {
      this.transientFailure = transientFailure;
      this.rotationReason = rotationReason;
    }

    /** Whether trying again can help (and whether it says something about upstream's health). */
    public boolean isTransient() {
      return transientFailure;
    }

    /** The {@code reason} of {@code token.rotation_failed}. */
    public String rotationReason() {
      return rotationReason;
    }
  }

  public static UpstreamFailure ofStatus(int status, long retryAfterMs) {
    Kind kind;
    if (status == 401 || status == 403) {
      kind = Kind.AUTH_REJECTED;
    } else if (status == 429) {
      kind = Kind.RATE_LIMITED;
    } else if (status == 408 || status >= 500) {
      kind = status == 408 || status == 504 ? Kind.TIMEOUT : Kind.SERVER_ERROR;
    } else {
      kind = Kind.REQUEST_REJECTED;
    }
    return new UpstreamFailure(kind, status, retryAfterMs);
  }

  public static UpstreamFailure of(Kind kind) {
    return new UpstreamFailure(kind, 0, -1);
  }

  public boolean retryable() {
    return kind.isTransient();
  }

  /** Whether this failure says upstream is unhealthy (the breaker counts only these). */
  public boolean countsAgainstUpstream() {
    return kind.isTransient();
  }
}
