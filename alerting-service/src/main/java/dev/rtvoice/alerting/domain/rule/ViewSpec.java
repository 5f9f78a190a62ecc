package dev.rtvoice.alerting.domain.rule;

import dev.rtvoice.alerting.domain.LabelSet;
import dev.rtvoice.common.metrics.WindowPane;
import java.util.List;

/**
 * What a rule reads: the series of one metric that pass the matchers, summed per group of the
 * {@code by} labels, over the buckets whose end lies in {@code (E - offset - range, E - offset]},
 * E being the end of the newest bucket (the open one included, so early panes count at once). Two
 * rules reading the same view share it.
 *
 * @param by label names, sorted; empty for one group over every series
 */
public record ViewSpec(String metric, WindowPane.Kind kind, long rangeMs, long offsetMs, List<LabelMatcher> matchers,
                       List<String> by) {
  public ViewSpec {
    matchers = List.copyOf(matchers);
    by = by.stream().sorted().distinct().toList();
    if (rangeMs <= 0) {
      throw new IllegalArgumentException("range must be positive");
    }
    if (offsetMs < 0) {
      throw new IllegalArgumentException("offset must not be negative");
    }
  }

  public boolean selects(LabelSet labels) {
    for (LabelMatcher m : matchers) {
      if (!m.matches(labels)) {
        return false;
      }
    }
    return true;
  }

  /** How far back from E this view reaches. */
  public long spanMs() {
    return rangeMs + offsetMs;
  }

  public boolean covers(long bucketEnd, long windowEnd) {
    return bucketEnd > windowEnd - offsetMs - rangeMs && bucketEnd <= windowEnd - offsetMs;
  }
}
