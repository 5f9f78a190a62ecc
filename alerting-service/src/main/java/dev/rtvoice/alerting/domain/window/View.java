package dev.rtvoice.alerting.domain.window;

import dev.rtvoice.alerting.domain.LabelSet;
import dev.rtvoice.alerting.domain.rule.ViewSpec;
import dev.rtvoice.common.metrics.WindowPane;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;

/**
 * The live contents of one {@link ViewSpec}: one {@link GroupAcc} per group of series, kept up to
 * date incrementally by the {@link WindowStore} as panes arrive and the window slides. Its version
 * moves whenever its contents may have changed, which is how the evaluator knows which rules to
 * evaluate.
 */
public final class View {
  private final ViewSpec spec;
  private final String[] by;
  private final Map<LabelSet, GroupAcc> groups = new HashMap<>();
  private long version;

  View(ViewSpec spec) {
    this.spec = spec;
    this.by = spec.by().toArray(String[]::new);
  }

  public ViewSpec spec() {
    return spec;
  }

  public long version() {
    return version;
  }

  /** Groups with data in the window; read-only for callers. */
  public Map<LabelSet, GroupAcc> groups() {
    return Collections.unmodifiableMap(groups);
  }

  public GroupAcc group(LabelSet key) {
    return groups.get(key);
  }

  /** The group a series belongs to, or null when the matchers leave it out. */
  LabelSet groupOf(LabelSet series) {
    return spec.selects(series) ? series.project(by) : null;
  }

  void apply(LabelSet group, double value, BinSnapshot bins, int sign) {
    GroupAcc acc = groups.get(group);
    if (acc == null) {
      if (sign < 0) {
        return;
      }
      acc = new GroupAcc(spec.kind() == WindowPane.Kind.LATENCY);
      groups.put(group, acc);
    }
    acc.add(value, bins, sign);
    if (acc.isEmpty()) {
      groups.remove(group);
    }
  }

  void clear() {
    groups.clear();
  }

  void touch() {
    version++;
  }
}
