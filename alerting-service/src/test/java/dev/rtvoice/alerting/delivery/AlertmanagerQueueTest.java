package dev.rtvoice.alerting.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** Prometheus' notifier scheme towards one Alertmanager, on a clock the test drives. */
class AlertmanagerQueueTest {
  private static final long RESEND = 1_000;
  private static final long RETENTION = 15_000;

  private final AlertmanagerQueue queue = new AlertmanagerQueue(new AlertmanagerQueue.Settings(RESEND, RETENTION, 2));

  private static AlertNotice notice(String fp, AlertNotice.Status status, double value) {
    return new AlertNotice(status, fp, Map.of("alertname", "A", "fp", fp), Map.of("summary", "s"), 1_000,
        status == AlertNotice.Status.FIRING ? 0 : 5_000, value, "http://x/v1/rules/A");
  }

  @Test
  void firingAlertsAreSentAtOnceThenReSentEveryDelayWithALeaseOfFourDelays() {
    queue.accept(notice("f1", AlertNotice.Status.FIRING, 1), 0);
    assertThat(queue.nextDueAt()).isEqualTo(Long.MIN_VALUE);
    AlertmanagerQueue.Batch first = queue.due(0);
    assertThat(first.alerts()).hasSize(1);
    assertThat(queue.due(0)).isNull(); // in flight
    queue.delivered(first, 10);
    assertThat(queue.validUntil(0)).isEqualTo(4 * RESEND);

    // a value update waits for the re-send
    queue.accept(notice("f1", AlertNotice.Status.FIRING, 2), 100);
    assertThat(queue.due(500)).isNull();
    AlertmanagerQueue.Batch resend = queue.due(RESEND);
    assertThat(resend.alerts()).singleElement().satisfies(a -> assertThat(a.value()).isEqualTo(2));
  }

  @Test
  void aResolutionLeavesAtOnceIsRepeatedForTheRetentionThenDropped() {
    queue.accept(notice("f1", AlertNotice.Status.FIRING, 1), 0);
    queue.delivered(queue.due(0), 0);
    queue.accept(notice("f1", AlertNotice.Status.RESOLVED, 0), 200);
    AlertmanagerQueue.Batch batch = queue.due(200);
    assertThat(batch.alerts()).singleElement().satisfies(a -> assertThat(a.firing()).isFalse());
    queue.delivered(batch, 200);
    AlertmanagerQueue.Batch repeated = queue.due(200 + RESEND);
    assertThat(repeated.alerts()).singleElement().satisfies(a -> assertThat(a.firing()).isFalse());
    queue.delivered(repeated, 200 + RESEND);
    assertThat(queue.due(200 + RETENTION)).isNull();
    assertThat(queue.size()).isZero();
  }

  @Test
  void aFailedBatchIsRetriedOneDelayLaterAndBatchesAreBounded() {
    queue.accept(notice("f1", AlertNotice.Status.FIRING, 1), 0);
    queue.accept(notice("f2", AlertNotice.Status.FIRING, 1), 0);
    queue.accept(notice("f3", AlertNotice.Status.FIRING, 1), 0);
    AlertmanagerQueue.Batch a = queue.due(0);
    AlertmanagerQueue.Batch b = queue.due(0);
    assertThat(a.alerts()).hasSize(2);
    assertThat(b.alerts()).hasSize(1);
    queue.failed(a, 50);
    queue.delivered(b, 50);
    // the delivered one is re-sent one delay after its batch; the failed ones one delay after failing
    assertThat(queue.due(RESEND - 1)).isNull();
    AlertmanagerQueue.Batch resend = queue.due(RESEND);
    assertThat(resend.alerts()).extracting(AlertNotice::fingerprint).containsExactly("f3");
    queue.delivered(resend, RESEND);
    assertThat(queue.due(50 + RESEND - 1)).isNull();
    assertThat(queue.due(50 + RESEND).alerts()).extracting(AlertNotice::fingerprint).containsExactly("f1", "f2");
  }
}
