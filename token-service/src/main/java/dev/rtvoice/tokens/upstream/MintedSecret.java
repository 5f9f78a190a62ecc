package dev.rtvoice.tokens.upstream;

import io.vertx.core.json.JsonObject;
import java.time.Instant;

/**
 * A client secret upstream minted: its value (the caller's credential to OpenAI), its expiry, and
 * the session object upstream returned with it. {@code toString} never shows the value.
 */
public record MintedSecret(String value, Instant expiresAt, JsonObject session) {
  @Override
  public String toString() {
    return "MintedSecret[expiresAt=" + expiresAt + ", value=redacted]";
  }
}
