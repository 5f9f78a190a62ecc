package dev.rtvoice.common.handle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rtvoice.common.config.ConfigException;
import dev.rtvoice.common.config.Env;
import java.time.Clock;
import java.time.Instant;
import java.nio.charset.StandardCharsets;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
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

  @Test
  void tenantTravelsInTheHandle() {
    SessionHandleCodec codec = new SessionHandleCodec(KEY, null, CLOCK);
    SessionHandle h = new SessionHandle("sess_1", "user_1", "device_1", 2, NOW, NOW.plusSeconds(300),
        NOW.plusSeconds(600), "acme-eu:prod.1");
    SessionHandle back = codec.verify(codec.sign(h));
    assertThat(back).isEqualTo(h);
    assertThat(back.tenant()).contains("acme-eu:prod.1");
    assertThat(claimsOf(codec.sign(h))).contains("\"tnt\":\"acme-eu:prod.1\"");
  }

  @Test
  void handleWithoutTenantCarriesNoTenantClaim() {
    SessionHandleCodec codec = new SessionHandleCodec(KEY, null, CLOCK);
    String token = codec.sign(handle(NOW.plusSeconds(600)));
    assertThat(claimsOf(token)).doesNotContain("tnt");
    assertThat(codec.verify(token).tenant()).isEmpty();
  }

  @Test
  void handleSignedBeforeTenantsExistedStillVerifies() {
    // exactly what the codec wrote before the tnt claim: the same seven claims, in that order
    String claims = "{\"sid\":\"sess_old\",\"sub\":\"user_1\",\"dev\":\"device_1\",\"gen\":3,\"iat\":"
        + NOW.getEpochSecond() + ",\"sxp\":" + NOW.plusSeconds(300).getEpochSecond() + ",\"exp\":"
        + NOW.plusSeconds(600).getEpochSecond() + "}";
    SessionHandle h = new SessionHandleCodec(KEY, null, CLOCK).verify(handSigned(claims, KEY));
    assertThat(h).isEqualTo(new SessionHandle("sess_old", "user_1", "device_1", 3, NOW, NOW.plusSeconds(300),
        NOW.plusSeconds(600)));
    assertThat(h.tenantId()).isNull();
  }

  @Test
  void tenantOutsideItsAlphabetIsRefused() {
    for (String bad : new String[] {"", "a b", "x".repeat(65), "t/1", "ten\u00e4nt", "a\nb"}) {
      assertThatThrownBy(() -> new SessionHandle("s", "u", "d", 0, NOW, NOW, NOW, bad))
          .isInstanceOf(IllegalArgumentException.class);
    }
    assertThat(TenantIds.isValid("x".repeat(64))).isTrue();
    // signed with our key but with a tenant no codec would write: unreadable claims, never accepted
    String claims = "{\"sid\":\"s\",\"sub\":\"u\",\"dev\":\"d\",\"gen\":0,\"iat\":1,\"sxp\":2,\"exp\":"
        + NOW.plusSeconds(600).getEpochSecond() + ",\"tnt\":\"a b\"}";
    assertThatThrownBy(() -> new SessionHandleCodec(KEY, null, CLOCK).verify(handSigned(claims, KEY)))
        .isInstanceOfSatisfying(HandleRejectedException.class,
            e -> assertThat(e.reason()).isEqualTo(HandleRejectedException.Reason.MALFORMED));
  }

  private static String claimsOf(String token) {
    String encoded = token.substring(4, token.lastIndexOf('.'));
    return new String(Base64.getUrlDecoder().decode(encoded), StandardCharsets.UTF_8);
  }

  private static String handSigned(String claimsJson, String key) {
    try {
      Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
      String body = "rt1." + b64.encodeToString(claimsJson.getBytes(StandardCharsets.UTF_8));
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      return body + "." + b64.encodeToString(mac.doFinal(body.getBytes(StandardCharsets.US_ASCII)));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
