package dev.rtvoice.alerting.delivery;

import dev.rtvoice.alerting.domain.LabelSet;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Grouping, deduplication and repetition of notifications for one webhook receiver, as
 * Alertmanager's dispatcher does it (aggregation groups, {@code DedupStage.needsUpdate}, the
 * notification log), on an injected wall clock so that tests can drive it:
 *
 * <ul>
 *   <li>alerts are grouped by the {@code group_by} labels; a new group is flushed after
 *       {@code group_wait} (0 by default: the first notification leaves at once), then every
 *       {@code group_interval};</li>
 *   <li>a flush notifies only when the group's firing set grew or changed, when everything
 *       resolved, when a resolved alert is new (with {@code send_resolved}), or when
 *       {@code repeat_interval} passed since the last notification: otherwise it is a duplicate
 *       and nothing is sent;</li>
 *   <li>the log moves only when a notification was delivered, so a failed one is tried again at the
 *       next interval; resolved alerts leave the group once notified.</li>
 * </ul>
 *
 * Plain Java, single-threaded (one receiver's channel owns it).
 */
public final class WebhookDispatcher {
  /**
   * @param groupBy label names, or {@code ...} for every label
   */
  public record Settings(String receiver, List<String> groupBy, long groupWaitMs, long groupIntervalMs,
                         long repeatIntervalMs, boolean sendResolved) {}

  /** One notification to send: the group's alerts as they were when it was flushed. */
  public record Flush(String groupKey, Map<String, String> groupLabels, List<AlertNotice> alerts,
                      Set<String> firing, Set<String> resolved, long startedAt) {}

  /**
   * What a delivered notification leaves in the notification log: the group's firing and resolved
   * alerts as the receiver got them, and when. Instances share these records through Kafka, so that
   * the one that takes delivery over knows what the receiver already has.
   */
  public record Notified(String groupKey, Set<String> firing, Set<String> resolved, long at) {
    public Notified {
      firing = Set.copyOf(firing);
      resolved = Set.copyOf(resolved);
    }
  }

  private record LogEntry(Set<String> firing, Set<String> resolved, long at) {}

  private static final class Group {
    final String key;
    final Map<String, String> labels;
    final LinkedHashMap<String, AlertNotice> alerts = new LinkedHashMap<>();
    long nextFlushAt;
    boolean flushing;

    Group(String key, Map<String, String> labels) {
      this.key = key;
      this.labels = labels;
    }
  }

  private final Settings settings;
  private final String[] groupBy;
  private final boolean groupByAll;
  private final Map<String, Group> groups = new LinkedHashMap<>();
  private final Map<String, LogEntry> log = new HashMap<>();
  private long duplicates;

  public WebhookDispatcher(Settings settings) {
    this.settings = settings;
    this.groupByAll = settings.groupBy().contains("...");
    this.groupBy = settings.groupBy().stream().sorted().toArray(String[]::new);
  }

  public Settings settings() {
    return settings;
  }

  /** An alert changed (fired, resolved, or its annotations moved). */
  public void accept(AlertNotice notice, long now) {
    group(notice, now).alerts.put(notice.fingerprint(), notice);
  }

  private Group group(AlertNotice notice, long now) {
    LabelSet labels = LabelSet.of(notice.labels());
    LabelSet groupLabels = groupByAll ? labels : labels.project(groupBy);
    String key = "{}:" + groupLabels;
    Group g = groups.get(key);
    if (g == null) {
      g = new Group(key, groupLabels.asMap());
      g.nextFlushAt = now + settings.groupWaitMs();
      groups.put(key, g);
    }
    return g;
  }

  /** When the next flush is due (epoch ms), or {@link Long#MAX_VALUE} when nothing is waiting. */
  public long nextDueAt() {
    long next = Long.MAX_VALUE;
    for (Group g : groups.values()) {
      if (!g.flushing) {
        next = Math.min(next, g.nextFlushAt);
      }
    }
    return next;
  }

  /** The notifications due at {@code now}; groups with nothing new are settled without one. */
  public List<Flush> due(long now) {
    List<Flush> out = new ArrayList<>();
    for (Group g : new ArrayList<>(groups.values())) {
      if (g.flushing || g.nextFlushAt > now) {
        continue;
      }
      Set<String> firing = new HashSet<>();
      Set<String> resolved = new HashSet<>();
      for (AlertNotice a : g.alerts.values()) {
        (a.firing() ? firing : resolved).add(a.fingerprint());
      }
      List<AlertNotice> snapshot = List.copyOf(g.alerts.values());
      Flush flush = new Flush(g.key, g.labels, snapshot, firing, resolved, now);
      if (needsUpdate(log.get(g.key), firing, resolved, now)) {
        g.flushing = true;
        out.add(flush);
      } else {
        if (!firing.isEmpty()) {
          duplicates++;
        }
        settle(g, flush, now);
      }
    }
    return out;
  }

  /** The alerts a flush actually sends: resolved ones only with {@code send_resolved}. */
  public List<AlertNotice> payloadAlerts(Flush flush) {
    return settings.sendResolved() ? flush.alerts() : flush.alerts().stream().filter(AlertNotice::firing).toList();
  }

  /** The receiver took the notification: what the log now records, for the other instances. */
  public Notified delivered(Flush flush, long now) {
    Notified notified = new Notified(flush.groupKey(), flush.firing(), flush.resolved(), now);
    remember(notified);
    Group g = groups.get(flush.groupKey());
    if (g != null) {
      g.flushing = false;
      settle(g, flush, flush.startedAt());
    }
    return notified;
  }

  /**
   * A notification another instance delivered (or this one, before a restart): the log takes it as
   * if this dispatcher had sent it, so the group is not sent again unless it changed since; the
   * resolved alerts it carried leave the group, and the group's next flush waits for the interval.
   */
  public void replicate(Notified notified) {
    remember(notified);
    Group g = groups.get(notified.groupKey());
    if (g == null || g.flushing) {
      return;
    }
    g.alerts.values().removeIf(a -> !a.firing() && notified.resolved().contains(a.fingerprint()));
    g.nextFlushAt = Math.max(g.nextFlushAt, notified.at() + settings.groupIntervalMs());
    if (g.alerts.isEmpty()) {
      groups.remove(g.key);
    }
  }

  private void remember(Notified n) {
    if (n.firing().isEmpty()) {
      log.remove(n.groupKey());
    } else {
      log.put(n.groupKey(), new LogEntry(n.firing(), n.resolved(), n.at()));
    }
  }

  /** Every attempt failed: nothing is logged, so the next interval tries again. */
  public void failed(Flush flush, long now) {
    Group g = groups.get(flush.groupKey());
    if (g != null) {
      g.flushing = false;
      g.nextFlushAt = flush.startedAt() + settings.groupIntervalMs();
    }
  }

  /** Alertmanager's {@code DedupStage.needsUpdate}. */
  private boolean needsUpdate(LogEntry entry, Set<String> firing, Set<String> resolved, long now) {
    if (entry == null) {
      return !firing.isEmpty();
    }
    if (!entry.firing().containsAll(firing)) {
      return true;
    }
    if (firing.isEmpty()) {
      // everything resolved: tell the receiver, unless it never heard of these alerts
      return !entry.firing().isEmpty();
    }
    if (settings.sendResolved() && !entry.resolved().containsAll(resolved)) {
      return true;
    }
    return entry.at() + settings.repeatIntervalMs() <= now;
  }

  /** After a flush: resolved alerts that did not change since leave the group; an empty group goes. */
  private void settle(Group g, Flush flush, long flushStart) {
    for (AlertNotice a : flush.alerts()) {
      if (!a.firing() && g.alerts.get(a.fingerprint()) == a) {
        g.alerts.remove(a.fingerprint());
      }
    }
    g.nextFlushAt = flushStart + settings.groupIntervalMs();
    if (g.alerts.isEmpty()) {
      groups.remove(g.key);
    }
  }

  /** Groups whose first notification has not gone out yet; a stopping service flushes them. */
  public void dueNowIfNeverFlushed(long now) {
    for (Group g : groups.values()) {
      if (!g.flushing && !log.containsKey(g.key) && g.nextFlushAt > now) {
        g.nextFlushAt = now;
      }
    }
  }

  /** Flushes of firing groups that were not sent because the receiver already had them. */
  public long duplicatesSuppressed() {
    return duplicates;
  }

  public int groupCount() {
    return groups.size();
  }
}
