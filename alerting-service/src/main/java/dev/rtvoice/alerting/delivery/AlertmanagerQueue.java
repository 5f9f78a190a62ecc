package dev.rtvoice.alerting.delivery;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What one Alertmanager is told, as Prometheus' notifier does it: an alert is sent when it fires or
 * resolves, and re-sent every {@code resendDelay} while it fires (each time with endsAt =
 * now + 4 x resendDelay, so that Alertmanager resolves it by itself if this service dies) and for
 * {@code resolvedRetention} after it resolved (so a lost resolution is repeated). Batches hold at
 * most {@code maxBatch} alerts. A batch that failed every retry is tried again one resend delay
 * later. Plain Java on an injected wall clock; single-threaded.
 */
public final class AlertmanagerQueue {
  public record Settings(long resendDelayMs, long resolvedRetentionMs, int maxBatch) {}

  /** One POST: the alerts and when it was made. */
  public record Batch(List<AlertNotice> alerts, long at) {}

  private static final class Entry {
    AlertNotice notice;
    boolean dirty = true;
    boolean inFlight;
    long lastSentAt = Long.MIN_VALUE;
    long retryAt = Long.MIN_VALUE;
    long resolvedSeenAt = Long.MIN_VALUE;
  }

  private final Settings settings;
  private final Map<String, Entry> alerts = new LinkedHashMap<>();

  public AlertmanagerQueue(Settings settings) {
    this.settings = settings;
  }

  public Settings settings() {
    return settings;
  }

  /** A firing or resolved alert; a value update of a firing alert waits for the next re-send. */
  public void accept(AlertNotice notice, long now) {
    Entry e = alerts.computeIfAbsent(notice.fingerprint(), k -> new Entry());
    boolean changed = e.notice == null || e.notice.status() != notice.status()
        || e.notice.startsAtMs() != notice.startsAtMs();
    e.notice = notice;
    if (changed) {
      e.dirty = true;
      e.retryAt = Long.MIN_VALUE;
      e.resolvedSeenAt = notice.firing() ? Long.MIN_VALUE : now;
    }
  }

  private long dueAt(Entry e) {
    if (e.inFlight) {
      return Long.MAX_VALUE;
    }
    long at = e.dirty ? Long.MIN_VALUE : e.lastSentAt + settings.resendDelayMs();
    return Math.max(at, e.retryAt);
  }

  public long nextDueAt() {
    long next = Long.MAX_VALUE;
    for (Entry e : alerts.values()) {
      next = Math.min(next, dueAt(e));
    }
    return next;
  }

  /** The next batch due at {@code now}, or null. */
  public Batch due(long now) {
    dropExpired(now);
    List<AlertNotice> batch = new ArrayList<>();
    for (Entry e : alerts.values()) {
      if (batch.size() == settings.maxBatch()) {
        break;
      }
      if (dueAt(e) <= now) {
        e.inFlight = true;
        batch.add(e.notice);
      }
    }
    return batch.isEmpty() ? null : new Batch(batch, now);
  }

  public void delivered(Batch batch, long now) {
    for (AlertNotice a : batch.alerts()) {
      Entry e = alerts.get(a.fingerprint());
      if (e != null) {
        e.inFlight = false;
        e.lastSentAt = batch.at();
        e.retryAt = Long.MIN_VALUE;
        // a newer state that arrived while this was in flight is still to be sent
        e.dirty = e.notice.status() != a.status() || e.notice.startsAtMs() != a.startsAtMs();
      }
    }
    dropExpired(now);
  }

  public void failed(Batch batch, long now) {
    for (AlertNotice a : batch.alerts()) {
      Entry e = alerts.get(a.fingerprint());
      if (e != null) {
        e.inFlight = false;
        e.retryAt = now + settings.resendDelayMs();
      }
    }
  }

  /** endsAt of firing alerts sent at {@code now}: four re-send delays, as Prometheus does. */
  public long validUntil(long now) {
    return now + 4 * settings.resendDelayMs();
  }

  private void dropExpired(long now) {
    for (Iterator<Entry> it = alerts.values().iterator(); it.hasNext(); ) {
      Entry e = it.next();
      if (!e.inFlight && !e.notice.firing() && !e.dirty && e.resolvedSeenAt + settings.resolvedRetentionMs() <= now) {
        it.remove();
      }
    }
  }

  public int size() {
    return alerts.size();
  }
}
