package dev.rtvoice.upstreamsim.faults;

/**
 * One injected failure of an HTTP call.
 *
 * @param target which endpoint it hits: {@code client_secrets}, {@code sessions} or {@code any}
 * @param status the HTTP status to answer (500, 429, 401, ...); 0 answers normally after the delay
 * @param retryAfterSeconds the Retry-After header of a 429 or 503; 0 sends none
 * @param delayMs how long to hold the call before answering (a timeout when longer than the caller waits)
 */
public record Fault(String target, int status, int retryAfterSeconds, long delayMs) {
  /** {@code any} means the secret endpoints; call creation ({@code calls}) is hit only when named. */
  public boolean hits(String endpoint) {
    return target.equals(endpoint) || "any".equals(target) && !"calls".equals(endpoint);
  }
}
