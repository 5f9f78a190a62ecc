package dev.rtvoice.tokens.domain;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rtvoice.tokens.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class RateLimiterTest {
  private final MutableClock clock = new MutableClock(Instant.parse("2026-01-31T12:00:00Z"));

  @Test
  void aDeviceGetsItsBurstThenOneTokenPerRefillInterval() {
    RateLimiter limiter = new RateLimiter(new RateLimiter.Limit(0, 1), new RateLimiter.Limit(6, 2), clock);
    assertThat(limiter.acquire("u", "d").allowed()).isTrue();
    assertThat(limiter.acquire("u", "d").allowed()).isTrue();
    RateLimiter.Decision denied = limiter.acquire("u", "d");
    assertThat(denied.allowed()).isFalse();
    assertThat(denied.scope()).isEqualTo("device");
    // 6 per minute: one token every 10 s
    assertThat(denied.retryAfterMs()).isEqualTo(10_000);
    clock.advance(Duration.ofSeconds(4));
    assertThat(limiter.acquire("u", "d").retryAfterMs()).isEqualTo(6_000);
    clock.advance(Duration.ofSeconds(6));
    assertThat(limiter.acquire("u", "d").allowed()).isTrue();
    assertThat(limiter.acquire("u", "d").allowed()).isFalse();
  }

  @Test
  void devicesAreKeyedByUserSoOneUserCannotDrainAnothersDevice() {
    RateLimiter limiter = new RateLimiter(new RateLimiter.Limit(0, 1), new RateLimiter.Limit(1, 1), clock);
    assertThat(limiter.acquire("mallory", "shared-id").allowed()).isTrue();
    assertThat(limiter.acquire("mallory", "shared-id").allowed()).isFalse();
    assertThat(limiter.acquire("alice", "shared-id").allowed()).isTrue();
  }

  @Test
  void theUserLimitSpansDevicesAndADeniedRequestCostsTheDeviceNothing() {
    RateLimiter limiter = new RateLimiter(new RateLimiter.Limit(60, 2), new RateLimiter.Limit(60, 2), clock);
    assertThat(limiter.acquire("u", "a").allowed()).isTrue();
    assertThat(limiter.acquire("u", "b").allowed()).isTrue();
    RateLimiter.Decision user = limiter.acquire("u", "c");
    assertThat(user.allowed()).isFalse();
    assertThat(user.scope()).isEqualTo("user");
    assertThat(user.retryAfterMs()).isEqualTo(1_000);
    clock.advance(Duration.ofSeconds(1));
    // device c's token was given back: it still has its full burst once the user has a token again
    assertThat(limiter.acquire("u", "c").allowed()).isTrue();
    clock.advance(Duration.ofSeconds(1));
    assertThat(limiter.acquire("u", "c").allowed()).isTrue();
  }

  @Test
  void idleBucketsAreForgottenOnceFull() {
    RateLimiter limiter = new RateLimiter(new RateLimiter.Limit(60, 5), new RateLimiter.Limit(60, 5), clock);
    for (int i = 0; i < 100; i++) {
      limiter.acquire("user-" + i, "d");
    }
    assertThat(limiter.evictIdle()).isEqualTo(200);
    clock.advance(Duration.ofSeconds(1));
    assertThat(limiter.evictIdle()).isZero();
  }

  @Test
  void aZeroRateDisablesALimit() {
    RateLimiter limiter = new RateLimiter(new RateLimiter.Limit(0, 1), new RateLimiter.Limit(0, 1), clock);
    for (int i = 0; i < 1_000; i++) {
      assertThat(limiter.acquire("u", "d").allowed()).isTrue();
    }
  }
}
