package dev.rtvoice.alerting.domain.alert;

/**
 * A change of an alert that the outside world hears about: it started firing, it resolved, or (while
 * firing) its measured value changed, which refreshes its annotations at the receivers.
 *
 * @param at event time of the change, epoch ms ({@code firedAt} for FIRING, {@code resolvedAt} for RESOLVED)
 */
public record Transition(Kind kind, String rule, AlertSnapshot alert, long at) {
  public enum Kind { FIRING, RESOLVED, UPDATED }
}
