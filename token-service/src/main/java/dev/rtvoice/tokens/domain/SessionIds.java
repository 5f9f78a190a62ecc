package dev.rtvoice.tokens.domain;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Our session ids: {@code rts_<22 random chars>.<settings>}. The random part (128 bits) makes the id
 * unique and unguessable; the settings part carries the model, voice and TTL the session was minted
 * with, so that any instance can rotate it without shared state (no session table to replicate or
 * lose on restart). The settings are trustworthy only because the id sits inside the signed rotation
 * token: {@link #settingsOf} is called only on an id taken from a verified handle.
 */
public final class SessionIds {
  public static final String PREFIX = "rts_";
  private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();
  private static final Base64.Decoder B64D = Base64.getUrlDecoder();

  private final Consumer<byte[]> random;

  /** @param random fills a byte array with random bytes (a SecureRandom in production) */
  public SessionIds(Consumer<byte[]> random) {
    this.random = random;
  }

  public String newId(SessionSettings settings) {
    byte[] bytes = new byte[16];
    random.accept(bytes);
    String encoded = settings.model() + "\n" + settings.voice() + "\n" + settings.ttlSeconds();
    return PREFIX + B64.encodeToString(bytes) + "." + B64.encodeToString(encoded.getBytes(StandardCharsets.UTF_8));
  }

  /** The settings an id was minted with; empty when the id is not one of ours. */
  public static Optional<SessionSettings> settingsOf(String sessionId) {
    if (sessionId == null || !sessionId.startsWith(PREFIX)) {
      return Optional.empty();
    }
    int dot = sessionId.indexOf('.');
    if (dot < 0 || dot == sessionId.length() - 1) {
      return Optional.empty();
    }
    try {
      String[] parts = new String(B64D.decode(sessionId.substring(dot + 1)), StandardCharsets.UTF_8).split("\n", -1);
      if (parts.length != 3 || parts[0].isEmpty() || parts[1].isEmpty()) {
        return Optional.empty();
      }
      return Optional.of(new SessionSettings(parts[0], parts[1], Integer.parseInt(parts[2])));
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }
}
