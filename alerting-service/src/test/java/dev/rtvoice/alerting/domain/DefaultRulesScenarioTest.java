package dev.rtvoice.alerting.domain;

import static dev.rtvoice.alerting.testing.Panes.counter;
import static dev.rtvoice.alerting.testing.Panes.counters;
import static dev.rtvoice.alerting.testing.Panes.latency;
import static dev.rtvoice.alerting.testing.Panes.repeat;
import static org.assertj.core.api.Assertions.assertThat;

import dev.rtvoice.alerting.domain.alert.Transition;
import dev.rtvoice.alerting.domain.alert.Transition.Kind;
import dev.rtvoice.alerting.testing.EvaluatorHarness;
import dev.rtvoice.common.metrics.WindowPane;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.assertj.core.data.Percentage;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * Each shipped rule, in event time with 10 s buckets: a scenario that fires it, one just under its
 * threshold that must not, and its resolution. Every scenario runs all eight default rules, and
 * asserts that only the rule under test moved.
 */
class DefaultRulesScenarioTest {

  private static void onlyRuleMoved(EvaluatorHarness h, String rule) {
    assertThat(h.transitions).extracting(Transition::rule).containsOnly(rule);
  }

  /** Sessions started in every bucket keep event time moving, as real traffic does. */
  private static WindowPane sessions(EvaluatorHarness h, int n, double perBucket) {
    return counter("sessions_started_total", h.bucket(n), perBucket);
  }

  @Nested
  class RealtimeFirstAudioP95High {
    private static final String RULE = "RealtimeFirstAudioP95High";

    private List<WindowPane> firstAudio(EvaluatorHarness h, int n, double millis, int samples) {
      return List.of(latency("first_audio", h.bucket(n), repeat(millis, samples)));
    }

    @Test
    void firesAfterTwoMinutesOverBudgetAndResolvesWhenLatencyRecovers() {
      EvaluatorHarness h = EvaluatorHarness.defaults();
      // 5 minutes at 800 ms, then 2000 ms from bucket 30 on (10 samples per bucket)
      h.run(0, 30, n -> firstAudio(h, n, 800, 10));
      h.run(30, 60, n -> firstAudio(h, n, 2000, 10));
      // p95 of the 5 m window passes 1500 once more than 5% of it is slow: bucket 31 (20 of 300)
      Transition fired = h.of(Kind.FIRING).get(0);
      assertThat(fired.at()).isEqualTo(h.endOf(31) + 120_000);
      assertThat(fired.alert().activeAt()).isEqualTo(h.endOf(31));
      assertThat(fired.alert().value()).isCloseTo(2000, Percentage.withPercentage(1));
      assertThat(fired.alert().samples()).isEqualTo(300);
      // back to 800 ms at bucket 60: resolves when slow samples are under 5% of the window again
      h.run(60, 120, n -> firstAudio(h, n, 800, 10));
      Transition resolved = h.of(Kind.RESOLVED).get(0);
      assertThat(resolved.at()).isEqualTo(h.endOf(60 + 28));
      assertThat(h.transitions).extracting(Transition::kind).containsExactly(Kind.FIRING, Kind.RESOLVED);
      onlyRuleMoved(h, RULE);
    }

    @Test
    void staysQuietJustUnderTheBudget() {
      EvaluatorHarness h = EvaluatorHarness.defaults();
      h.run(0, 180, n -> firstAudio(h, n, 1490, 10));
      assertThat(h.transitions).isEmpty();
      assertThat(h.evaluator.rule(RULE).lastMeasurements()).singleElement().satisfies(m -> {
        assertThat(m.value()).isLessThan(1500).isCloseTo(1490, Percentage.withPercentage(0.5));
        assertThat(m.holds()).isFalse();
      });
    }

    @Test
    void forHoldsItPendingThroughAShorterSpike() {
      EvaluatorHarness h = EvaluatorHarness.defaults();
      h.run(0, 30, n -> firstAudio(h, n, 800, 10));
      // slow from bucket 30: the condition holds from bucket 31; at bucket 41 it has held 100 s
      h.run(30, 42, n -> firstAudio(h, n, 2000, 10));
      assertThat(h.evaluator.rule(RULE).alerts()).singleElement().satisfies(a -> {
        assertThat(a.state()).isEqualTo(dev.rtvoice.alerting.domain.alert.AlertState.PENDING);
        assertThat(a.activeAt()).isEqualTo(h.endOf(31));
      });
      // a burst of fast traffic in bucket 42 takes the slow share under 5 % before 2 minutes passed
      h.run(42, 43, n -> firstAudio(h, n, 800, 5000));
      h.run(43, 120, n -> firstAudio(h, n, 800, 10));
      assertThat(h.transitions).isEmpty();
      assertThat(h.evaluator.rule(RULE).alerts()).isEmpty();
    }

    @Test
    void needsTwentySamples() {
      EvaluatorHarness h = EvaluatorHarness.defaults();
      // 19 very slow samples in the window: the rule does not judge
      h.run(0, 19, n -> firstAudio(h, n, 5000, 1));
      assertThat(h.evaluator.rule(RULE).lastMeasurements()).singleElement().satisfies(m -> {
        assertThat(m.samples()).isEqualTo(19);
        assertThat(m.value()).isGreaterThan(1500);
        assertThat(m.holds()).isFalse();
      });
      assertThat(h.evaluator.rule(RULE).alerts()).isEmpty();
      // the 20th makes it judge, and the condition holds: pending
      h.run(19, 20, n -> firstAudio(h, n, 5000, 1));
      assertThat(h.evaluator.rule(RULE).alerts()).singleElement()
          .satisfies(a -> assertThat(a.state()).isEqualTo(dev.rtvoice.alerting.domain.alert.AlertState.PENDING));
      assertThat(h.transitions).isEmpty();
    }
  }

  @Nested
  class SessionRotationFailed {
    private static final String RULE = "SessionRotationFailed";

    @Test
    void firesOnOneFailureAndResolvesFiveMinutesLater() {
      EvaluatorHarness h = EvaluatorHarness.defaults();
      h.run(0, 100, n -> {
        List<WindowPane> panes = new ArrayList<>(List.of(sessions(h, n, 3)));
        if (n == 10) {
          panes.add(counter("m1", "session_rotate_fail_total", h.bucket(n), 1, true, Map.of("reason", "upstream_5xx"),
              1));
        }
        return panes;
      });
      assertThat(h.transitions).extracting(Transition::kind, Transition::at)
          .containsExactly(org.assertj.core.groups.Tuple.tuple(Kind.FIRING, h.endOf(10)),
              org.assertj.core.groups.Tuple.tuple(Kind.RESOLVED, h.endOf(10) + 300_000));
      assertThat(h.of(Kind.FIRING).get(0).alert().value()).isEqualTo(1);
      onlyRuleMoved(h, RULE);
    }

    @Test
    void staysQuietWithoutFailures() {
      EvaluatorHarness h = EvaluatorHarness.defaults();
      h.run(0, 100, n -> List.of(sessions(h, n, 3),
          counter("m1", "session_rotate_fail_total", h.bucket(n), 1, true, Map.of("reason", "upstream_5xx"), 0)));
      assertThat(h.transitions).isEmpty();
    }
  }

  @Nested
  class InterruptRecoveryFailRateHigh {
    private static final String RULE = "InterruptRecoveryFailRateHigh";

    private List<WindowPane> interrupts(EvaluatorHarness h, int n, double interrupts, double failed) {
      return List.of(counter("interrupt_total", h.bucket(n), interrupts),
          counter("m1", "interrupt_recovery_fail_total", h.bucket(n), 1, true, Map.of("reason", "ack_timeout"),
              failed));
    }

    @Test
    void firesOverFivePercentAndResolves() {
      EvaluatorHarness h = EvaluatorHarness.defaults();
      // 10 minutes at 2 %, then 10 %, then 0 %
      h.run(0, 60, n -> interrupts(h, n, 10, n % 5 == 0 ? 1 : 0));
      assertThat(h.transitions).isEmpty();
      h.run(60, 120, n -> interrupts(h, n, 10, 1));
      h.run(120, 240, n -> interrupts(h, n, 10, 0));
      assertThat(h.transitions).extracting(Transition::kind).containsExactly(Kind.FIRING, Kind.RESOLVED);
      Transition fired = h.of(Kind.FIRING).get(0);
      // the 10-minute window holds 31 failures of 600 interrupts (over 5 %) 24 buckets into the bad period
      assertThat(fired.at()).isEqualTo(h.endOf(60 + 23));
      assertThat(fired.alert().value()).isEqualTo(31.0 / 600);
      assertThat(fired.alert().samples()).isEqualTo(600);
      onlyRuleMoved(h, RULE);
    }

    @Test
    void staysQuietAtExactlyFivePercent() {
      EvaluatorHarness h = EvaluatorHarness.defaults();
      h.run(0, 180, n -> interrupts(h, n, 20, 1));
      assertThat(h.transitions).isEmpty();
      assertThat(h.evaluator.rule(RULE).lastMeasurements().get(0).value()).isEqualTo(0.05);
    }

    @Test
    void needsTwentyInterrupts() {
      EvaluatorHarness h = EvaluatorHarness.defaults();
      // 19 interrupts in 10 minutes, 10 of them failing
      h.run(0, 60, n -> n < 19 ? interrupts(h, n, 1, n < 10 ? 1 : 0) : List.of(sessions(h, n, 1)));
      assertThat(h.transitions).isEmpty();
    }
  }

  @Nested
  class IceRestartSpike {
    private static final String RULE = "IceRestartSpike";

    /** {@code perMinute} restarts a minute, spread over the six buckets of each minute. */
    private List<WindowPane> restarts(EvaluatorHarness h, int n, int perMinute) {
      int inBucket = perMinute / 6 + (n % 6 < perMinute % 6 ? 1 : 0);
      return List.of(sessions(h, n, 5), counter("ice_restart_total", h.bucket(n), inBucket));
    }

    @Test
    void firesAboveThreeTimesTheBaselineOfThePreviousHour() {
      EvaluatorHarness h = EvaluatorHarness.defaults();
      // 2 hours at 1 a minute: 15 per 15 minutes, so the threshold is 45
      h.run(0, 720, n -> restarts(h, n, 1));
      assertThat(h.transitions).isEmpty();
      h.run(720, 810, n -> restarts(h, n, 5));
      Transition fired = h.of(Kind.FIRING).get(0);
      assertThat(fired.alert().threshold()).isEqualTo(45);
      // the 15-minute increase passes 45 (46) 7.5 minutes into the spike
      assertThat(fired.at()).isEqualTo(h.endOf(720 + 45));
      assertThat(fired.alert().value()).isEqualTo(46);
      // back to normal: the spike leaves the window, resolved
      h.run(810, 1000, n -> restarts(h, n, 1));
      assertThat(h.transitions).extracting(Transition::kind).containsExactly(Kind.FIRING, Kind.RESOLVED);
      onlyRuleMoved(h, RULE);
    }

    @Test
    void staysQuietAtThreeTimesTheBaseline() {
      EvaluatorHarness h = EvaluatorHarness.defaults();
      h.run(0, 720, n -> restarts(h, n, 1));
      // 3 a minute for 15 minutes: exactly 45 in the window, not above it
      h.run(720, 810, n -> restarts(h, n, 3));
      h.run(810, 900, n -> restarts(h, n, 1));
      assertThat(h.transitions).isEmpty();
      assertThat(h.evaluator.rule(RULE).lastMeasurements()).isNotEmpty();
    }

    @Test
    void judgesOnlyOnceItsBaselineHourIsCovered() {
      EvaluatorHarness h = EvaluatorHarness.defaults();
      // 20 restarts a minute from the first bucket on: nothing to compare with for 75 minutes
      h.run(0, 449, n -> restarts(h, n, 20));
      assertThat(h.transitions).isEmpty();
      assertThat(h.evaluator.rule(RULE).lastMeasurements().get(0).threshold()).isNaN();
      h.run(449, 460, n -> restarts(h, n, 20));
      assertThat(h.evaluator.rule(RULE).lastMeasurements().get(0).threshold()).isEqualTo(3 * 20 * 15);
      assertThat(h.transitions).isEmpty();
    }

    @Test
    void needsTenRestartsWhenTheBaselineIsZero() {
      EvaluatorHarness h = EvaluatorHarness.defaults();
      // no restarts for 80 minutes (baseline 0), then one a bucket: 9 are above 3 x 0, but under 10
      h.run(0, 480, n -> List.of(sessions(h, n, 5)));
      h.run(480, 489, n -> restarts(h, n, 6));
      assertThat(h.transitions).isEmpty();
      assertThat(h.evaluator.rule(RULE).lastMeasurements().get(0).value()).isEqualTo(9);
      // the tenth fires it
      h.run(489, 490, n -> restarts(h, n, 6));
      assertThat(h.of(Kind.FIRING)).singleElement().satisfies(t -> {
        assertThat(t.alert().value()).isEqualTo(10);
        assertThat(t.alert().threshold()).isZero();
      });
    }
  }

  @Nested
  class UpstreamAuthRejected {
    private static final String RULE = "UpstreamAuthRejected";

    @Test
    void firesOnAnyRejectionAndResolves() {
      EvaluatorHarness h = EvaluatorHarness.defaults();
      h.run(0, 80, n -> {
        List<WindowPane> panes = new ArrayList<>(List.of(sessions(h, n, 2)));
        if (n == 5) {
          panes.add(counters("m1", "upstream_auth_rejected_total", h.bucket(n), 1, true,
              List.of(new WindowPane.Series(Map.of("status", "401"), 2, null),
                  new WindowPane.Series(Map.of("status", "403"), 1, null))));
        }
        return panes;
      });
      assertThat(h.transitions).extracting(Transition::kind, Transition::at)
          .containsExactly(org.assertj.core.groups.Tuple.tuple(Kind.FIRING, h.endOf(5)),
              org.assertj.core.groups.Tuple.tuple(Kind.RESOLVED, h.endOf(5) + 300_000));
      Transition fired = h.of(Kind.FIRING).get(0);
      assertThat(fired.alert().value()).isEqualTo(3);
      assertThat(fired.alert().labels().get("category")).isEqualTo("auth");
      onlyRuleMoved(h, RULE);
    }

    @Test
    void staysQuietWithoutRejections() {
      EvaluatorHarness h = EvaluatorHarness.defaults();
      h.run(0, 80, n -> List.of(sessions(h, n, 2), counter("upstream_auth_rejected_total", h.bucket(n), 0)));
      assertThat(h.transitions).isEmpty();
    }
  }

  @Nested
  class ClientAuthFailureRateHigh {
    private static final String RULE = "ClientAuthFailureRateHigh";

    private List<WindowPane> reconnects(EvaluatorHarness h, int n, double sessions, double tokenExpired,
                                        double authFailed, double transport) {
      return List.of(sessions(h, n, sessions), counters("m1", "reconnect_total", h.bucket(n), 1, true, List.of(
          new WindowPane.Series(Map.of("class", "session", "reason", "token_expired"), tokenExpired, null),
          new WindowPane.Series(Map.of("class", "session", "reason", "auth_failed"), authFailed, null),
          new WindowPane.Series(Map.of("class", "transport", "reason", "ice_failed"), transport, null),
          new WindowPane.Series(Map.of("class", "session", "reason", "event_order_broken"), transport, null))));
    }

    @Test
    void firesWhenSessionsReconnectForExpiredTokensAndResolves() {
      EvaluatorHarness h = EvaluatorHarness.defaults();
      // transport reconnects and other session reasons are plenty, yet do not count
      h.run(0, 90, n -> reconnects(h, n, 10, 0, 0, 5));
      assertThat(h.transitions).isEmpty();
      // 3 in 4 buckets: token_expired every other bucket, auth_failed every fourth (7.5 % of sessions)
      h.run(90, 180, n -> reconnects(h, n, 10, n % 2, n % 4 == 1 ? 1 : 0, 5));
      h.run(180, 400, n -> reconnects(h, n, 10, 0, 0, 5));
      assertThat(h.transitions).extracting(Transition::kind).containsExactly(Kind.FIRING, Kind.RESOLVED);
      Transition fired = h.of(Kind.FIRING).get(0);
      assertThat(fired.alert().value()).isGreaterThan(0.02);
      assertThat(fired.alert().samples()).isEqualTo(900);
      onlyRuleMoved(h, RULE);
    }

    @Test
    void staysQuietAtTheConfiguredRatio() {
      EvaluatorHarness h = EvaluatorHarness.defaults();
      // 1 of 50 sessions per bucket: 2 % exactly
      h.run(0, 200, n -> reconnects(h, n, 50, n % 2, (n + 1) % 2, 30));
      assertThat(h.transitions).isEmpty();
      assertThat(h.evaluator.rule(RULE).lastMeasurements().get(0).value()).isEqualTo(0.02);
    }
  }

  @Nested
  class IceFailureRateHigh {
    private static final String RULE = "IceFailureRateHigh";

    private List<WindowPane> ice(EvaluatorHarness h, int n, double sessions, double failures) {
      return List.of(sessions(h, n, sessions), counter("ice_failure_total", h.bucket(n), failures));
    }

    @Test
    void firesOverFivePercentOfSessionsAndResolves() {
      EvaluatorHarness h = EvaluatorHarness.defaults();
      h.run(0, 90, n -> ice(h, n, 10, 0));
      h.run(90, 180, n -> ice(h, n, 10, 1));
      h.run(180, 400, n -> ice(h, n, 10, 0));
      assertThat(h.transitions).extracting(Transition::kind).containsExactly(Kind.FIRING, Kind.RESOLVED);
      Transition fired = h.of(Kind.FIRING).get(0);
      // 900 sessions per 15 minutes: more than 45 failures once 46 buckets have failed
      assertThat(fired.at()).isEqualTo(h.endOf(90 + 45));
      assertThat(fired.alert().labels().get("category")).isEqualTo("connectivity");
      onlyRuleMoved(h, RULE);
    }

    @Test
    void staysQuietAtFivePercent() {
      EvaluatorHarness h = EvaluatorHarness.defaults();
      h.run(0, 200, n -> ice(h, n, 20, 1));
      assertThat(h.transitions).isEmpty();
    }
  }

  @Nested
  class SessionRolloverFailed {
    private static final String RULE = "SessionRolloverFailed";

    private List<WindowPane> rollovers(EvaluatorHarness h, int n, String outcome, double count) {
      return List.of(sessions(h, n, 3),
          counter("m1", "session_rollover_total", h.bucket(n), 1, true, Map.of("outcome", outcome), count));
    }

    @Test
    void firesOnOneFailedHandOverAsAWarningAndResolvesTenMinutesLater() {
      EvaluatorHarness h = EvaluatorHarness.defaults();
      h.run(0, 150, n -> n == 20 ? rollovers(h, n, "failed", 1) : rollovers(h, n, "completed", 1));
      assertThat(h.transitions).extracting(Transition::kind, Transition::at)
          .containsExactly(org.assertj.core.groups.Tuple.tuple(Kind.FIRING, h.endOf(20)),
              org.assertj.core.groups.Tuple.tuple(Kind.RESOLVED, h.endOf(20) + 600_000));
      Transition fired = h.of(Kind.FIRING).get(0);
      assertThat(fired.alert().value()).isEqualTo(1);
      assertThat(fired.alert().labels().get("severity")).isEqualTo("warning");
      assertThat(fired.alert().labels().get("category")).isEqualTo("state_machine");
      onlyRuleMoved(h, RULE);
    }

    @Test
    void staysQuietWhileHandOversArePlannedAndCompletedOrMoveOtherOutcomes() {
      EvaluatorHarness h = EvaluatorHarness.defaults();
      h.run(0, 150, n -> List.of(sessions(h, n, 3), counters("m1", "session_rollover_total", h.bucket(n), 1, true,
          List.of(new WindowPane.Series(Map.of("outcome", "planned"), 2, null),
              new WindowPane.Series(Map.of("outcome", "completed"), 2, null),
              new WindowPane.Series(Map.of("outcome", "other"), 1, null),
              new WindowPane.Series(Map.of("outcome", "failed"), 0, null)))));
      assertThat(h.transitions).isEmpty();
      assertThat(h.evaluator.rule(RULE).lastMeasurements()).singleElement()
          .satisfies(m -> assertThat(m.holds()).isFalse());
    }
  }
}
