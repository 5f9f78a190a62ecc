package dev.rtvoice.alerting.domain.rule;

import dev.rtvoice.alerting.domain.LabelSet;
import java.util.Set;
import java.util.TreeSet;

/**
 * Selects series by one label: its value is one of {@code values} (or, negated, none of them). A
 * series without the label has the empty value, as in PromQL.
 */
public record LabelMatcher(String name, Set<String> values, boolean negated) {
  public LabelMatcher {
    values = Set.copyOf(values);
  }

  public boolean matches(LabelSet labels) {
    String value = labels.get(name);
    boolean in = values.contains(value == null ? "" : value);
    return in != negated;
  }

  @Override
  public String toString() {
    return name + (negated ? " not in " : " in ") + new TreeSet<>(values);
  }
}
