package dev.rtvoice.metrics.domain;

import dev.rtvoice.common.metrics.WindowPane;
import java.util.List;

/**
 * Panes collected from a {@link WindowAggregator}, to be published. Exactly one of
 * {@link #commit()} (they are durable: closed buckets are released) or {@link #abort()} (publishing
 * failed: the changes are published again by the next collect) must follow.
 */
public final class PaneBatch {
  record Early(WindowAggregator.Bucket bucket, boolean[] stages, List<String> counters) {}

  private final WindowAggregator owner;
  private final List<WindowPane> panes;
  private final List<Early> early;
  private final List<WindowAggregator.Bucket> finals;
  private final List<WindowAggregator.Bucket> lateParts;
  private final boolean immediate;
  private boolean done;

  PaneBatch(WindowAggregator owner, List<WindowPane> panes, List<Early> early, List<WindowAggregator.Bucket> finals,
            List<WindowAggregator.Bucket> lateParts, boolean immediate) {
    this.owner = owner;
    this.panes = List.copyOf(panes);
    this.early = early;
    this.finals = finals;
    this.lateParts = lateParts;
    this.immediate = immediate;
  }

  public List<WindowPane> panes() {
    return panes;
  }

  public boolean isEmpty() {
    return panes.isEmpty();
  }

  /** Buckets this batch closes. */
  public int finalBuckets() {
    return finals.size();
  }

  List<Early> early() {
    return early;
  }

  List<WindowAggregator.Bucket> finals() {
    return finals;
  }

  List<WindowAggregator.Bucket> lateParts() {
    return lateParts;
  }

  boolean immediate() {
    return immediate;
  }

  public void commit() {
    finish();
    owner.committed(this);
  }

  public void abort() {
    finish();
    owner.aborted(this);
  }

  private void finish() {
    if (done) {
      throw new IllegalStateException("pane batch already committed or aborted");
    }
    done = true;
  }
}
