package dev.rtvoice.sessions.domain;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The small bounded structures: id rings, the summary, recovery classes. */
class BoundsTest {
  @Test
  void recentIdsRememberTheLastFewOnly() {
    RecentIds ids = new RecentIds(3);
    for (String id : new String[] {"a", "b", "c", "d"}) {
      ids.add(id);
    }
    assertThat(ids.contains("a")).isFalse();
    assertThat(ids.contains("b")).isTrue();
    assertThat(ids.contains("d")).isTrue();
    assertThat(ids.size()).isEqualTo(3);
    RecentIds back = RecentIds.decode(ids.encode(), 3);
    assertThat(back.encode()).isEqualTo(ids.encode());
    back.add("e");
    assertThat(back.contains("b")).isFalse();
    assertThat(back.contains("c")).isTrue();
    assertThat(new RecentIds(4).encode()).isEmpty();
  }

  @Test
  void theSummaryCutsAnOverlongTranscriptToItsEnd() {
    BoundedSummary s = new BoundedSummary(16);
    s.add(1, "user", "0123456789abcdef");
    // the bound counts the text that is sent: "user: " and the ellipsis included
    assertThat(s.render()).isEqualTo("user: \u2026789abcdef");
    assertThat(s.chars()).isEqualTo(16).isEqualTo(s.render().length());
    s.add(2, "assistant", "ok");
    assertThat(s.lines()).extracting(BoundedSummary.Line::text).containsExactly("ok");
    assertThat(s.render()).isEqualTo("assistant: ok");
  }

  @Test
  void theSummaryDropsTheOldestBeyondItsLineCap() {
    BoundedSummary s = new BoundedSummary(10_000);
    for (int i = 0; i < 100; i++) {
      s.add(i, "user", "t" + i);
    }
    assertThat(s.lines()).hasSize(BoundedSummary.MAX_LINES);
    assertThat(s.lines().get(0).text()).isEqualTo("t" + (100 - BoundedSummary.MAX_LINES));
  }

  @Test
  void reasonsMapToTheirClass() {
    assertThat(RecoveryPlan.plan("ice_failed", 0, 0, 0).recoveryClass()).isEqualTo("transport");
    assertThat(RecoveryPlan.plan("network_switch", 0, 0, 0).iceRestart()).isTrue();
    for (String r : new String[] {"token_expired", "auth_failed", "event_order_broken"}) {
      RecoveryPlan p = RecoveryPlan.plan(r, 0, 0, 0);
      assertThat(p.recoveryClass()).isEqualTo("session");
      assertThat(p.replaySummary()).isTrue();
      assertThat(p.newUpstreamSession()).isTrue();
    }
    RecoveryPlan other = RecoveryPlan.plan("mic_lost", 0, 0, 0);
    assertThat(other.recoveryClass()).isEqualTo("session");
    assertThat(other.replaySummary()).isFalse();
    assertThat(other.reissueToken()).isTrue();
    assertThat(RecoveryPlan.labelOf("mic_lost")).isEqualTo("other");
    // a secret about to expire on a transport plan: keep it, but rotate first
    RecoveryPlan soon = RecoveryPlan.plan("ice_failed", 20_000, 5_000, 30_000);
    assertThat(soon.recoveryClass()).isEqualTo("transport");
    assertThat(soon.keepToken()).isTrue();
    assertThat(soon.rotateFirst()).isTrue();
    // an expired one cannot be kept: the session-class plan, never keep_token with rotate_first
    for (long expiresAt : new long[] {1_000, 5_000}) {
      RecoveryPlan late = RecoveryPlan.plan("ice_failed", expiresAt, 5_000, 30_000);
      assertThat(late.recoveryClass()).isEqualTo("session");
      assertThat(late.keepToken()).isFalse();
      assertThat(late.rotateFirst()).isFalse();
      assertThat(late.reissueToken()).isTrue();
      assertThat(late.newUpstreamSession()).isTrue();
      assertThat(late.iceRestart()).isFalse();
      assertThat(late.replaySummary()).isTrue();
      assertThat(late.reason()).isEqualTo("ice_failed");
      assertThat(late.secretExpiresInMs()).isEqualTo(expiresAt - 5_000);
    }
  }
}
