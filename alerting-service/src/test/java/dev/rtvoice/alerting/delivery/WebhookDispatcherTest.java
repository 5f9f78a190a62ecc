package dev.rtvoice.alerting.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Alertmanager's dispatcher for one webhook receiver, on a clock the test drives. */
class WebhookDispatcherTest {
  private static final long INTERVAL = 1_000;
  private static final long REPEAT = 60_000;

  private static WebhookDispatcher dispatcher(long groupWait) {
    return new WebhookDispatcher(new WebhookDispatcher.Settings("webhook-1", List.of("alertname"), groupWait,
        INTERVAL, REPEAT, true));
  }

  private static AlertNotice firing(String fp, String reason, double value) {
    return new AlertNotice(AlertNotice.Status.FIRING, fp, Map.of("alertname", "A", "reason", reason),
        Map.of("summary", "v=" + value), 1_000, 0, value, "http://x/v1/rules/A");
  }

  private static AlertNotice resolved(String fp, String reason) {
    return new AlertNotice(AlertNotice.Status.RESOLVED, fp, Map.of("alertname", "A", "reason", reason),
        Map.of("summary", "done"), 1_000, 9_000, 0, "http://x/v1/rules/A");
  }

  @Test
  void aNewGroupLeavesAtOnceThenChangesWaitForTheIntervalAndUnchangedFlushesAreDuplicates() {
    WebhookDispatcher d = dispatcher(0);
    d.accept(firing("f1", "a", 1), 0);
    assertThat(d.nextDueAt()).isZero();
    List<WebhookDispatcher.Flush> first = d.due(0);
    assertThat(first).singleElement().satisfies(f -> assertThat(f.firing()).containsExactly("f1"));
    assertThat(d.nextDueAt()).isEqualTo(Long.MAX_VALUE); // in flight
    d.delivered(first.get(0), 5);

    // a value update of the same alert: flushed at the interval, but the receiver has it already
    d.accept(firing("f1", "a", 2), 100);
    assertThat(d.due(500)).isEmpty();
    assertThat(d.due(INTERVAL)).isEmpty();
    assertThat(d.duplicatesSuppressed()).isEqualTo(1);

    // a second alert of the group: sent at the next interval with both
    d.accept(firing("f2", "b", 1), 1_500);
    assertThat(d.due(1_900)).isEmpty();
    List<WebhookDispatcher.Flush> second = d.due(2 * INTERVAL);
    assertThat(second).singleElement().satisfies(f -> assertThat(f.firing()).containsExactlyInAnyOrder("f1", "f2"));
    d.delivered(second.get(0), 2 * INTERVAL);

    // the repeat interval re-sends an unchanged firing group
    assertThat(d.due(3 * INTERVAL)).isEmpty();
    assertThat(d.due(2 * INTERVAL + REPEAT)).hasSize(1);
  }

  @Test
  void aGroupWaitHoldsTheFirstNotification() {
    WebhookDispatcher d = dispatcher(30_000);
    d.accept(firing("f1", "a", 1), 0);
    assertThat(d.due(29_999)).isEmpty();
    assertThat(d.due(30_000)).hasSize(1);
  }

  @Test
  void aFailedNotificationIsTriedAgainAtTheNextIntervalAndNothingIsLogged() {
    WebhookDispatcher d = dispatcher(0);
    d.accept(firing("f1", "a", 1), 0);
    WebhookDispatcher.Flush flush = d.due(0).get(0);
    d.failed(flush, 50);
    assertThat(d.nextDueAt()).isEqualTo(INTERVAL);
    assertThat(d.due(INTERVAL)).singleElement().satisfies(f -> assertThat(f.firing()).containsExactly("f1"));
  }

  @Test
  void resolutionsAreSentOnceAndTheGroupGoes() {
    WebhookDispatcher d = dispatcher(0);
    d.accept(firing("f1", "a", 1), 0);
    d.delivered(d.due(0).get(0), 0);
    d.accept(resolved("f1", "a"), 300);
    WebhookDispatcher.Flush flush = d.due(INTERVAL).get(0);
    assertThat(flush.firing()).isEmpty();
    assertThat(d.payloadAlerts(flush)).singleElement().satisfies(a -> assertThat(a.firing()).isFalse());
    d.delivered(flush, INTERVAL);
    assertThat(d.groupCount()).isZero();
    assertThat(d.nextDueAt()).isEqualTo(Long.MAX_VALUE);
  }

  @Test
  void aGroupAnotherInstanceNotifiedIsNotSentAgainAtTakeoverButItsResolutionIs() {
    WebhookDispatcher holder = dispatcher(0);
    WebhookDispatcher standby = dispatcher(0);
    holder.accept(firing("f1", "a", 1), 0);
    standby.accept(firing("f1", "a", 1), 0);
    standby.replicate(holder.delivered(holder.due(0).get(0), 5));

    // the standby takes over: the receiver has f1 already, and the group waits for its interval
    standby.accept(firing("f1", "a", 3), 10);
    assertThat(standby.nextDueAt()).isEqualTo(5 + INTERVAL);
    assertThat(standby.due(5 + INTERVAL)).isEmpty();
    assertThat(standby.duplicatesSuppressed()).isEqualTo(1);
    standby.accept(resolved("f1", "a"), 1_200);
    assertThat(standby.due(2 * INTERVAL + 5)).singleElement()
        .satisfies(f -> assertThat(f.resolved()).containsExactly("f1"));
  }

  @Test
  void aPageTheHolderNeverLoggedIsSentByTheInstanceThatTakesOver() {
    WebhookDispatcher holder = dispatcher(0);
    WebhookDispatcher standby = dispatcher(0);
    holder.accept(firing("f1", "a", 1), 0);
    standby.accept(firing("f1", "a", 1), 0);
    holder.due(0); // in flight when the holder died: no record reached the log
    assertThat(standby.due(0)).singleElement().satisfies(f -> assertThat(f.firing()).containsExactly("f1"));
  }

  @Test
  void aResolutionTheHolderNotifiedLeavesTheStandbyAndARecordMayArriveBeforeTheAlert() {
    WebhookDispatcher holder = dispatcher(0);
    WebhookDispatcher standby = dispatcher(0);
    holder.accept(firing("f1", "a", 1), 0);
    WebhookDispatcher.Notified fired = holder.delivered(holder.due(0).get(0), 0);
    // the holder's record is read before the standby's own evaluation produced the alert
    standby.replicate(fired);
    standby.accept(firing("f1", "a", 1), 3);
    holder.accept(resolved("f1", "a"), INTERVAL);
    standby.accept(resolved("f1", "a"), INTERVAL);
    WebhookDispatcher.Notified resolvedSent = holder.delivered(holder.due(INTERVAL).get(0), INTERVAL);
    assertThat(resolvedSent.firing()).isEmpty();
    assertThat(resolvedSent.resolved()).containsExactly("f1");
    standby.replicate(resolvedSent);
    assertThat(standby.groupCount()).isZero();
    assertThat(standby.due(10 * INTERVAL)).isEmpty();
  }

  @Test
  void resolvedAlertsThatNoReceiverHeardOfAreNotSent() {
    WebhookDispatcher d = dispatcher(0);
    d.accept(resolved("f1", "a"), 0);
    assertThat(d.due(0)).isEmpty();
    assertThat(d.groupCount()).isZero();
  }
}
