package dev.rtvoice.alerting.domain.alert;

import dev.rtvoice.alerting.domain.LabelSet;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * The alerts of one rule, moved through inactive, pending, firing and resolved exactly as
 * Prometheus' rule manager does it ({@code rules/alerting.go}, {@code AlertingRule.Eval}), but on
 * event time:
 *
 * <ul>
 *   <li>a group whose condition holds and has no alert gets one, pending since {@code ts};</li>
 *   <li>a pending alert fires once {@code ts - activeAt >= for} (at once when {@code for} is 0);</li>
 *   <li>a pending alert whose condition stops holding is dropped without notice;</li>
 *   <li>a firing alert whose condition stops holding resolves at {@code ts}, unless
 *       {@code keep_firing_for} is set: then it keeps firing until {@code ts - keepFiringSince >=
 *       keep_firing_for}, and holding again clears {@code keepFiringSince}.</li>
 * </ul>
 *
 * Not thread-safe: one owner (the rule evaluator) calls it.
 */
public final class AlertStateMachine {
  private final String rule;
  private final long forMs;
  private final long keepFiringForMs;
  /** Keyed by the group's labels: an alert's labels follow from them and the rule's labels. */
  private final Map<LabelSet, Alert> active = new HashMap<>();
  private final Map<String, String> extraLabels;
  private long evaluations;

  /**
   * @param extraLabels the rule's labels (with {@code alertname}), put on top of each group's labels
   */
  public AlertStateMachine(String rule, long forMs, long keepFiringForMs, Map<String, String> extraLabels) {
    this.rule = rule;
    this.forMs = forMs;
    this.keepFiringForMs = keepFiringForMs;
    this.extraLabels = Map.copyOf(extraLabels);
  }

  /** The alert labels of a group: the group's labels, then the rule's labels, then alertname. */
  public LabelSet alertLabels(LabelSet group) {
    return group.with(extraLabels);
  }

  /**
   * One evaluation at event time {@code ts} with every group the rule measured; groups not in
   * {@code measurements} have no value (no data), which counts as not holding.
   */
  public List<Transition> evaluate(long ts, Collection<Measurement> measurements) {
    List<Transition> out = new ArrayList<>();
    long stamp = ++evaluations;
    for (Measurement m : measurements) {
      if (!m.holds()) {
        continue;
      }
      Alert alert = active.get(m.group());
      if (alert == null) {
        alert = new Alert(alertLabels(m.group()), m.group(), ts);
        active.put(m.group(), alert);
      }
      alert.stamp = stamp;
      double before = alert.value();
      alert.measured(m.value(), m.threshold(), m.samples());
      if (alert.state() == AlertState.FIRING && Double.compare(before, m.value()) != 0) {
        out.add(new Transition(Transition.Kind.UPDATED, rule, AlertSnapshot.of(alert), ts));
      }
    }
    for (Iterator<Alert> it = active.values().iterator(); it.hasNext(); ) {
      Alert alert = it.next();
      if (alert.stamp != stamp) {
        boolean keepFiring = false;
        if (alert.state() == AlertState.FIRING && keepFiringForMs > 0) {
          if (alert.keepFiringSince() == Long.MIN_VALUE) {
            alert.keepFiringSince(ts);
          }
          keepFiring = ts - alert.keepFiringSince() < keepFiringForMs;
        }
        if (keepFiring) {
          continue;
        }
        it.remove();
        if (alert.state() == AlertState.FIRING) {
          out.add(new Transition(Transition.Kind.RESOLVED, rule, AlertSnapshot.of(alert), ts));
        }
        continue;
      }
      alert.keepFiringSince(Long.MIN_VALUE);
      if (alert.state() == AlertState.PENDING && ts - alert.activeAt() >= forMs) {
        alert.fire(ts);
        out.add(new Transition(Transition.Kind.FIRING, rule, AlertSnapshot.of(alert), ts));
      }
    }
    return out;
  }

  /**
   * Takes back an alert that was firing before a restart; no transition: its page already went out.
   * Returns false when the labels are not this rule's (its labels changed since): the caller resolves it.
   */
  public boolean restoreFiring(LabelSet labels, LabelSet group, long firedAt, double value,
                               Map<String, String> annotations) {
    if (!alertLabels(group).equals(labels) || active.containsKey(group)) {
      return false;
    }
    active.put(group, Alert.restoredFiring(labels, group, firedAt, value, annotations));
    return true;
  }

  /** Resolves every alert at once (the rule went away); firing ones are reported. */
  public List<Transition> resolveAll(long ts) {
    List<Transition> out = new ArrayList<>();
    for (Alert alert : active.values()) {
      if (alert.state() == AlertState.FIRING) {
        out.add(new Transition(Transition.Kind.RESOLVED, rule, AlertSnapshot.of(alert), ts));
      }
    }
    active.clear();
    return out;
  }

  public Collection<Alert> alerts() {
    return Collections.unmodifiableCollection(active.values());
  }

  public boolean hasAlerts() {
    return !active.isEmpty();
  }

  public String rule() {
    return rule;
  }
}
