package dev.rtvoice.tokens.domain;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class RetryPlannerTest {
  private static final UpstreamFailure FIVE_HUNDRED = UpstreamFailure.ofStatus(500, -1);

  private static RetryPlanner planner(double jitter) {
    return new RetryPlanner(Duration.ofMillis(100), Duration.ofSeconds(2), 5, Duration.ofSeconds(5), () -> jitter);
  }

  @Test
  void backoffDoublesWithHalfOfEachStepJitteredAndIsCapped() {
    RetryPlanner low = planner(0.0);
    RetryPlanner high = planner(0.999999);
    assertThat(low.backoffMs(1)).isEqualTo(50);
    assertThat(high.backoffMs(1)).isEqualTo(99);
    assertThat(low.backoffMs(2)).isEqualTo(100);
    assertThat(low.backoffMs(3)).isEqualTo(200);
    assertThat(low.backoffMs(10)).isEqualTo(1_000);
    assertThat(high.backoffMs(10)).isEqualTo(1_999);
  }

  @Test
  void transientFailuresAreRetriedUntilTheAttemptsRunOut() {
    RetryPlanner p = planner(0.0);
    assertThat(p.nextDelayMs(FIVE_HUNDRED, 1, 0, 10_000)).isEqualTo(50);
    assertThat(p.nextDelayMs(UpstreamFailure.of(UpstreamFailure.Kind.TIMEOUT), 2, 0, 10_000)).isEqualTo(100);
    assertThat(p.nextDelayMs(UpstreamFailure.of(UpstreamFailure.Kind.UNREACHABLE), 4, 0, 10_000)).isEqualTo(400);
    assertThat(p.nextDelayMs(FIVE_HUNDRED, 5, 0, 10_000)).isEqualTo(-1);
  }

  @Test
  void authRejectionsOtherRefusalsAndAnOpenCircuitAreNeverRetried() {
    RetryPlanner p = planner(0.0);
    assertThat(p.nextDelayMs(UpstreamFailure.ofStatus(401, -1), 1, 0, 10_000)).isEqualTo(-1);
    assertThat(p.nextDelayMs(UpstreamFailure.ofStatus(403, -1), 1, 0, 10_000)).isEqualTo(-1);
    assertThat(p.nextDelayMs(UpstreamFailure.ofStatus(400, -1), 1, 0, 10_000)).isEqualTo(-1);
    assertThat(p.nextDelayMs(UpstreamFailure.of(UpstreamFailure.Kind.CIRCUIT_OPEN), 1, 0, 10_000)).isEqualTo(-1);
  }

  @Test
  void retryAfterIsHonouredAndAbandonedWhenItPassesTheDeadline() {
    RetryPlanner p = planner(0.0);
    UpstreamFailure slowDown = UpstreamFailure.ofStatus(429, 2_000);
    assertThat(p.nextDelayMs(slowDown, 1, 0, 10_000)).isEqualTo(2_000);
    // the secret has 1.5 s left: waiting 2 s would be pointless
    assertThat(p.nextDelayMs(slowDown, 1, 0, 1_500)).isEqualTo(-1);
  }

  @Test
  void aRetryNeedsTimeToRunBeforeTheDeadline() {
    RetryPlanner p = planner(0.0);
    assertThat(p.nextDelayMs(FIVE_HUNDRED, 1, 1_000, 1_000 + 50 + RetryPlanner.MIN_ATTEMPT_MS)).isEqualTo(50);
    assertThat(p.nextDelayMs(FIVE_HUNDRED, 1, 1_000, 1_000 + 49 + RetryPlanner.MIN_ATTEMPT_MS)).isEqualTo(-1);
  }

  @Test
  void theFirstAttemptGetsTheFullRequestTimeoutLaterOnesWhatIsLeft() {
    RetryPlanner p = planner(0.0);
    assertThat(p.attemptTimeoutMs(1, 0, 0)).isEqualTo(5_000);
    assertThat(p.attemptTimeoutMs(2, 0, 800)).isEqualTo(800);
    assertThat(p.attemptTimeoutMs(2, 0, 60_000)).isEqualTo(5_000);
    assertThat(p.attemptTimeoutMs(3, 0, 10)).isEqualTo(RetryPlanner.MIN_ATTEMPT_MS);
  }
}
