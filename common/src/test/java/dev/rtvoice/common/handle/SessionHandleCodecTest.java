package dev.rtvoice.common.handle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rtvoice.common.config.ConfigException;
import dev.rtvoice.common.config.Env;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SessionHandleCodecTest {
  private static final String KEY = "k".repeat(32);
  private static final Instant NOW = Instant.parse("2026-11-25T12:00:00Z");
  private static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);

  private static SessionHandle handle(Instant expiresAt) {
    return new SessionHandle("sess_1", "user_1", "device_1", 0, NOW, NOW.plusSeconds(300), expiresAt);
  }

  @Test
  void signedHandleVerifies() {
    SessionHandleCodec codec = new SessionHandleCodec(KEY, null, CLOCK);
    SessionHandle h = handle(NOW.plusSeconds(600));
    assertThat(codec.verify(codec.sign(h))).isEqualTo(h);
  }

  @Test
  void tamperedClaimsAreForged() {
    SessionHandleCodec codec = new SessionHandleCodec(KEY, null, CLOCK);
    String token = codec.sign(handle(NOW.plusSeconds(600)));
    String other = new SessionHandleCodec(KEY, null, CLOCK).sign(
        new SessionHandle("sess_2", "user_1", "device_1", 0, NOW, NOW.plusSeconds(300), NOW.plusSeconds(600)));
    // the claims of one token with the signature of another
    String spliced = other.substring(0, other.lastIndexOf('.')) + token.substring(token.lastIndexOf('.'));
    assertThatThrownBy(() -> codec.verify(spliced)).isInstanceOfSatisfying(HandleRejectedException.class,
        e -> assertThat(e.reason()).isEqualTo(HandleRejectedException.Reason.FORGED));
  }

  @Test
  void otherKeyIsForged() {
    String token = new SessionHandleCodec("x".repeat(32), null, CLOCK).sign(handle(NOW.plusSeconds(600)));
    assertThatThrownBy(() -> new SessionHandleCodec(KEY, null, CLOCK).verify(token))
        .isInstanceOfSatisfying(HandleRejectedException.class,
            e -> assertThat(e.reason()).isEqualTo(HandleRejectedException.Reason.FORGED));
  }

  @Test
  void previousKeyStillVerifiesDuringKeyRotation() {
    String old = "o".repeat(32);
    String token = new SessionHandleCodec(old, null, CLOCK).sign(handle(NOW.plusSeconds(600)));
    assertThat(new SessionHandleCodec(KEY, old, CLOCK).verify(token).sessionId()).isEqualTo("sess_1");
  }

  @Test
  void expiredHandleIsExpired() {
    SessionHandleCodec codec = new SessionHandleCodec(KEY, null, CLOCK);
    String token = codec.sign(handle(NOW));
    assertThatThrownBy(() -> codec.verify(token)).isInstanceOfSatisfying(HandleRejectedException.class,
        e -> assertThat(e.reason()).isEqualTo(HandleRejectedException.Reason.EXPIRED));
  }

  @Test
  void garbageIsMalformed() {
    SessionHandleCodec codec = new SessionHandleCodec(KEY, null, CLOCK);
    for (String garbage : new String[] {null, "", "Bearer x", "rt1.", "rt1.abc", "rt1.abc.!!!", "eyJhbGciOi.x.y"}) {
      assertThatThrownBy(() -> codec.verify(garbage)).isInstanceOfSatisfying(HandleRejectedException.class,
          e -> assertThat(e.reason()).isIn(HandleRejectedException.Reason.MALFORMED,
              HandleRejectedException.Reason.FORGED));
    }
  }

  @Test
  void shortKeysAndMissingKeysOutsideDevModeAreRefused() {
    assertThatThrownBy(() -> new SessionHandleCodec("short", null, CLOCK)).isInstanceOf(ConfigException.class)
        .hasMessageContaining("SESSION_HANDLE_KEY");
    assertThatThrownBy(() -> SessionHandleCodec.fromEnv(new Env(Map.of()), false, CLOCK))
        .isInstanceOf(ConfigException.class).hasMessageContaining("required outside dev mode");
    assertThat(SessionHandleCodec.fromEnv(new Env(Map.of()), true, CLOCK)).isNotNull();
  }
}
