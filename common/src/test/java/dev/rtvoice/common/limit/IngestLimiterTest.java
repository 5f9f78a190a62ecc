package dev.rtvoice.common.limit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rtvoice.common.limit.IngestLimiter.Decision;
import dev.rtvoice.common.limit.IngestLimiter.Rate;
import dev.rtvoice.common.limit.IngestLimiter.Scope;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class IngestLimiterTest {
  private final AtomicLong now = new AtomicLong(1_000_000);

  private IngestLimiter limiter(Scope... scopes) {
    return new IngestLimiter(List.of(scopes), now::get);
  }

  private static Scope session(double eventsPerSecond, long eventsBurst, double bytesPerSecond, long bytesBurst) {
    return new Scope("session", new Rate(eventsPerSecond, eventsBurst), new Rate(bytesPerSecond, bytesBurst), 1000);
  }

  @Test
  void aBurstPassesThenTheSustainedRateAndTheWaitIsExact() {
    IngestLimiter l = limiter(session(500, 20, 0, 0)); // half an event per ms: exact in binary
    for (int i = 0; i < 20; i++) {
      assertThat(l.acquire(1, 100, "s1").allowed()).isTrue();
    }
    Decision denied = l.acquire(1, 100, "s1");
    assertThat(denied).isEqualTo(new Decision(false, "session", "events", 2));
    now.addAndGet(1);
    assertThat(l.acquire(1, 100, "s1").allowed()).isFalse();
    now.addAndGet(1);
    assertThat(l.acquire(1, 100, "s1").allowed()).isTrue();
    // sustained: batches of 10 every 10 ms ask for 1,000/s; 500/s pass, over ten simulated seconds
    long passed = 0;
    for (int ms = 0; ms < 10_000; ms += 10) {
      now.addAndGet(10);
      if (l.acquire(10, 100, "s1").allowed()) {
        passed += 10;
      }
    }
    assertThat(passed).isEqualTo(5000);
  }

  @Test
  void bytesAreLimitedApartFromEventsAndABatchCostsItsSize() {
    IngestLimiter l = limiter(session(1000, 1000, 1000, 4000));
    assertThat(l.acquire(1, 3000, "s1").allowed()).isTrue();
    Decision d = l.acquire(1, 3000, "s1");
    assertThat(d.allowed()).isFalse();
    assertThat(d.dimension()).isEqualTo("bytes");
    assertThat(d.retryAfterMs()).isEqualTo(2000); // 1000 left, 3000 needed, 1 byte per ms
    // a batch of 5 events costs 5 event tokens: 1000 of them go in one request, not in a second one
    IngestLimiter counting = limiter(session(10, 10, 0, 0));
    assertThat(counting.acquire(10, 1, "s1").allowed()).isTrue();
    Decision none = counting.acquire(1, 1, "s1");
    assertThat(none.dimension()).isEqualTo("events");
  }

  @Test
  void aRequestLargerThanTheBurstPassesOnlyOnAFullBucketAndLeavesADebt() {
    IngestLimiter l = limiter(session(0, 0, 1000, 4000));
    assertThat(l.acquire(1, 10_000, "s1").allowed()).as("a full bucket lets a maximal request through").isTrue();
    Decision d = l.acquire(1, 1, "s1");
    assertThat(d.allowed()).isFalse();
    assertThat(d.retryAfterMs()).as("the debt of 6000 bytes plus the one byte asked").isEqualTo(6001);
    now.addAndGet(6000 + 4000);
    assertThat(l.acquire(1, 10_000, "s1").allowed()).as("full again: the next maximal one passes").isTrue();
    now.addAndGet(9000);
    Decision notFull = l.acquire(1, 10_000, "s1");
    assertThat(notFull.allowed()).isFalse();
    assertThat(notFull.retryAfterMs()).as("it waits for a full bucket, never for more than the burst").isEqualTo(1000);
  }

  @Test
  void oneKeyNeverSpendsAnothersBudget() {
    IngestLimiter l = limiter(session(1, 5, 0, 0));
    for (int i = 0; i < 100; i++) {
      l.acquire(1, 1, "flooder");
    }
    for (int i = 0; i < 5; i++) {
      assertThat(l.acquire(1, 1, "quiet").allowed()).isTrue();
    }
  }

  @Test
  void everyScopeMustPayOrNoneIsCharged() {
    Scope sessions = session(100, 100, 0, 0);
    Scope users = new Scope("user", new Rate(1, 3), Rate.off(), 1000);
    IngestLimiter l = limiter(sessions, users);
    // one user, many sessions: the user's budget is the bound
    assertThat(l.acquire(1, 1, "a", "u").allowed()).isTrue();
    assertThat(l.acquire(1, 1, "b", "u").allowed()).isTrue();
    assertThat(l.acquire(1, 1, "c", "u").allowed()).isTrue();
    Decision d = l.acquire(1, 1, "d", "u");
    assertThat(d.scope()).isEqualTo("user");
    // session d paid nothing for the refused request: 100 events still go through it for other users
    assertThat(l.acquire(100, 1, "d", "v").allowed()).isTrue();
    // a null key skips that scope
    assertThat(l.acquire(1, 1, null, "w").allowed()).isTrue();
  }

  @Test
  void aDeniedRequestWaitsForTheSlowestBucketItTouches() {
    Scope sessions = session(10, 10, 0, 0);
    Scope users = new Scope("user", new Rate(1, 10), Rate.off(), 1000);
    IngestLimiter l = limiter(sessions, users);
    assertThat(l.acquire(10, 1, "s", "u").allowed()).isTrue();
    Decision d = l.acquire(1, 1, "s", "u");
    assertThat(d).isEqualTo(new Decision(false, "user", "events", 1000));
    now.addAndGet(1000);
    assertThat(l.acquire(1, 1, "s", "u").allowed()).isTrue();
  }

  @Test
  void aFloodOfNewKeysStaysWithinTheBoundAndIdleKeysAreDropped() {
    Scope sessions = new Scope("session", new Rate(10, 10), Rate.off(), 100);
    IngestLimiter l = limiter(sessions);
    for (int i = 0; i < 100_000; i++) {
      assertThat(l.acquire(1, 1, "s" + i).allowed()).isTrue();
    }
    assertThat(l.trackedKeys()).isEqualTo(100);
    assertThat(l.evictedActive()).as("more keys active at once than the bound").isEqualTo(100_000 - 100);
    now.addAndGet(100);
    assertThat(l.evictIdle()).as("refilled buckets carry nothing").isZero();
  }

  @Test
  void theLeastRecentlyUsedKeyGoesFirstAndAnIdleOneIsNotCountedAsActive() {
    Scope sessions = new Scope("session", new Rate(1, 2), Rate.off(), 2);
    IngestLimiter l = limiter(sessions);
    l.acquire(2, 1, "old");
    l.acquire(2, 1, "busy");
    now.addAndGet(5_000); // both refilled
    l.acquire(2, 1, "busy"); // busy is in debt and recently used
    l.acquire(1, 1, "new"); // evicts "old", which was full
    assertThat(l.evictedActive()).isZero();
    assertThat(l.acquire(1, 1, "busy").allowed()).as("busy kept its bucket").isFalse();
    assertThat(l.trackedKeys()).isEqualTo(2);
  }

  @Test
  void disabledLimitsAllowEverythingAndTrackNothing() {
    IngestLimiter l = limiter(new Scope("session", Rate.off(), Rate.off(), 10));
    for (int i = 0; i < 1000; i++) {
      assertThat(l.acquire(1000, 1_000_000, "s" + i).allowed()).isTrue();
    }
    assertThat(l.trackedKeys()).isZero();
  }

  @Test
  void misuseIsRefused() {
    assertThatThrownBy(() -> new Rate(5, 0)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new Rate(-1, 5)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new Scope("s", Rate.off(), Rate.off(), 0)).isInstanceOf(IllegalArgumentException.class);
    IngestLimiter l = limiter(session(1, 1, 0, 0));
    assertThatThrownBy(() -> l.acquire(1, 1, "a", "b")).isInstanceOf(IllegalArgumentException.class);
  }
}
