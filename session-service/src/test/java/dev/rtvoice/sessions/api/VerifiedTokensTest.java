package dev.rtvoice.sessions.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rtvoice.common.handle.HandleRejectedException;
import dev.rtvoice.common.handle.SessionHandle;
import dev.rtvoice.common.handle.SessionHandleCodec;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The cache of verified rotation tokens answers exactly what the codec would, and stays bounded. */
class VerifiedTokensTest {
  private static final String KEY = "verified-tokens-test-key-0123456789abcdef";
  private static final Instant T0 = Instant.parse("2026-12-01T10:00:00Z");

  private final AtomicLong nowMs = new AtomicLong(T0.toEpochMilli());
  private final Clock clock = new Clock() {
    @Override
    public ZoneOffset getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return Instant.ofEpochMilli(nowMs.get());
    }
  };
  private final SessionHandleCodec codec = new SessionHandleCodec(KEY, null, clock);

  private String token(String session, Instant expiresAt) {
    return codec.sign(new SessionHandle(session, "user-" + session, "device", 0, T0, expiresAt.minusSeconds(30),
        expiresAt));
  }

  @Test
  void aTokenVerifiedOnceIsAnsweredAgainUntilItExpiresThenRefusedAsExpired() {
    VerifiedTokens tokens = new VerifiedTokens(codec, clock, 100);
    String t = token("rts_1", T0.plusSeconds(60));
    assertThat(tokens.verify(t).sessionId()).isEqualTo("rts_1");
    assertThat(tokens.verify(t).userId()).isEqualTo("user-rts_1");
    assertThat(tokens.size()).isEqualTo(1);

    nowMs.set(T0.plusSeconds(60).toEpochMilli());  // exactly at expiry: expired, as the codec says
    assertThatThrownBy(() -> tokens.verify(t)).isInstanceOf(HandleRejectedException.class)
        .extracting(e -> ((HandleRejectedException) e).reason()).isEqualTo(HandleRejectedException.Reason.EXPIRED);
    assertThat(tokens.size()).as("the expired token is forgotten").isZero();
  }

  @Test
  void forgedAndMalformedTokensAreRefusedAndNeverRemembered() {
    VerifiedTokens tokens = new VerifiedTokens(codec, clock, 100);
    String good = token("rts_2", T0.plusSeconds(60));
    String forged = good.substring(0, good.lastIndexOf('.') + 1) + "AAAA" + good.substring(good.lastIndexOf('.') + 5);
    String otherKey = new SessionHandleCodec("another-key-entirely-0123456789-abcdefgh", null, clock)
        .sign(new SessionHandle("rts_2", "u", "d", 0, T0, T0.plusSeconds(30), T0.plusSeconds(60)));
    for (String bad : new String[] {forged, otherKey, "rt1.garbage", "not-a-token"}) {
      assertThatThrownBy(() -> tokens.verify(bad)).isInstanceOf(HandleRejectedException.class);
      assertThatThrownBy(() -> tokens.verify(bad)).as("refused again, not answered from memory")
          .isInstanceOf(HandleRejectedException.class);
    }
    assertThat(tokens.size()).isZero();
    tokens.verify(good);
    assertThat(tokens.size()).isEqualTo(1);
  }

  @Test
  void manyDistinctTokensNeverHoldMoreThanTheBound() {
    VerifiedTokens tokens = new VerifiedTokens(codec, clock, 50);
    for (int i = 0; i < 1_000; i++) {
      String t = token("rts_many_" + i, T0.plusSeconds(600));
      assertThat(tokens.verify(t).sessionId()).isEqualTo("rts_many_" + i);
      assertThat(tokens.size()).isLessThanOrEqualTo(50);
    }
  }
}
