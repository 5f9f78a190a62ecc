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

  @Test
  void twoInstancesEachHoldHalfSoTogetherTheyAdmitOneLimit() {
    RateLimiter.Limit device = new RateLimiter.Limit(6, 6);
    RateLimiter a = new RateLimiter(new RateLimiter.Limit(0, 1), device, clock);
    RateLimiter b = new RateLimiter(new RateLimiter.Limit(0, 1), device, clock);
    a.shareAmong(2);
    b.shareAmong(2);
    int admitted = 0;
    for (int i = 0; i < 10; i++) {
      admitted += a.acquire("u", "d").allowed() ? 1 : 0;
      admitted += b.acquire("u", "d").allowed() ? 1 : 0;
    }
    assertThat(admitted).as("the burst of 6, not 12").isEqualTo(6);
    // 6 per minute together: each instance refills one token every 20 s
    RateLimiter.Decision denied = a.acquire("u", "d");
    assertThat(denied.retryAfterMs()).isEqualTo(20_000);
    clock.advance(Duration.ofSeconds(20));
    assertThat(a.acquire("u", "d").allowed()).isTrue();
    assertThat(b.acquire("u", "d").allowed()).isTrue();
    assertThat(a.acquire("u", "d").allowed()).isFalse();
  }

  @Test
  void underAnyInterleavingNInstancesNeverAdmitMoreThanBurstPlusRateTimesTime() {
    // the README's bound, checked over every window of a 10-minute run with random routing
    RateLimiter.Limit user = new RateLimiter.Limit(30, 10);
    for (int instances = 1; instances <= 4; instances++) {
      java.util.Random random = new java.util.Random(42 + instances);
      java.util.List<RateLimiter> fleet = new java.util.ArrayList<>();
      for (int i = 0; i < instances; i++) {
        RateLimiter limiter = new RateLimiter(user, new RateLimiter.Limit(0, 1), clock);
        limiter.shareAmong(instances);
        fleet.add(limiter);
      }
      long start = clock.millis();
      java.util.List<Long> admittedAt = new java.util.ArrayList<>();
      for (int step = 0; step < 6_000; step++) {
        clock.advance(Duration.ofMillis(100));
        for (int r = random.nextInt(4); r > 0; r--) {
          if (fleet.get(random.nextInt(instances)).acquire("u", "d-" + random.nextInt(3)).allowed()) {
            admittedAt.add(clock.millis() - start);
          }
        }
      }
      for (int i = 0; i < admittedAt.size(); i++) {
        for (int j = i; j < admittedAt.size(); j++) {
          double windowMinutes = (admittedAt.get(j) - admittedAt.get(i)) / 60_000.0;
          assertThat(j - i + 1).as("%d instance(s), admissions %d..%d", instances, i, j)
              .isLessThanOrEqualTo((int) Math.floor(10 + 30 * windowMinutes + 1e-9));
        }
      }
      // and the fleet is not starved: over 10 minutes it admitted close to 10 + 30 * 10
      assertThat(admittedAt.size()).as("%d instance(s)", instances).isGreaterThan(280);
    }
  }

  @Test
  void aNewShareResizesEachBucketInProportionToWhatIsLeft() {
    RateLimiter limiter = new RateLimiter(new RateLimiter.Limit(0, 1), new RateLimiter.Limit(1, 6), clock);
    for (int i = 0; i < 3; i++) {
      assertThat(limiter.acquire("u", "half-spent").allowed()).isTrue();
    }
    for (int i = 0; i < 6; i++) {
      assertThat(limiter.acquire("u", "spent").allowed()).isTrue();
    }
    limiter.shareAmong(2);
    // half of a 3-token share is left: one whole token
    assertThat(limiter.acquire("u", "half-spent").allowed()).isTrue();
    assertThat(limiter.acquire("u", "half-spent").allowed()).isFalse();
    // a caller first seen now gets the new share, 3
    for (int i = 0; i < 3; i++) {
      assertThat(limiter.acquire("u", "new").allowed()).isTrue();
    }
    assertThat(limiter.acquire("u", "new").allowed()).isFalse();
    // an instance left: the share doubles, and a spent bucket stays spent
    limiter.shareAmong(1);
    assertThat(limiter.acquire("u", "spent").allowed()).isFalse();
    assertThat(limiter.instances()).isEqualTo(1);
  }

  @Test
  void aShareNeverHoldsLessThanOneTokenOrNoInstanceCouldAdmitAnything() {
    RateLimiter limiter = new RateLimiter(new RateLimiter.Limit(0, 1), new RateLimiter.Limit(2, 2), clock);
    limiter.shareAmong(5);
    assertThat(limiter.acquire("u", "d").allowed()).isTrue();
    assertThat(limiter.acquire("u", "d").allowed()).isFalse();
    assertThat(RateLimiter.capacity(new RateLimiter.Limit(2, 2), 5)).isEqualTo(1.0);
    assertThat(RateLimiter.capacity(new RateLimiter.Limit(30, 10), 4)).isEqualTo(2.5);
  }

  @Test
  void aShareAmongNoInstancesIsRefused() {
    RateLimiter limiter = new RateLimiter(new RateLimiter.Limit(1, 1), new RateLimiter.Limit(1, 1), clock);
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> limiter.shareAmong(0))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void aJoiningInstanceAddsAtMostOneShareToWhatWasAdmitted() {
    // the README's bound for a join: the newcomer's buckets start full, the others keep what they had left
    RateLimiter.Limit device = new RateLimiter.Limit(1, 6);
    RateLimiter a = new RateLimiter(new RateLimiter.Limit(0, 1), device, clock);
    int admitted = 0;
    for (int i = 0; i < 10; i++) {
      admitted += a.acquire("u", "d").allowed() ? 1 : 0;
    }
    RateLimiter b = new RateLimiter(new RateLimiter.Limit(0, 1), device, clock);
    a.shareAmong(2);
    b.shareAmong(2);
    for (int i = 0; i < 10; i++) {
      admitted += a.acquire("u", "d").allowed() ? 1 : 0;
      admitted += b.acquire("u", "d").allowed() ? 1 : 0;
    }
    assertThat(admitted).as("the burst 6 plus one share, 6 / 2").isEqualTo(9);
  }
}
