package dev.rtvoice.alerting.domain.window;

/**
 * The bins of one latency sketch, frozen: DDSketch indexes in ascending order with their counts, and
 * the count of zero values. It is what one instance's pane holds for one series and bucket, kept so
 * that a newer pane of the same bucket can take its contribution back out of every window.
 */
public record BinSnapshot(int[] indexes, long[] counts, long zeroCount, long total) {
  public static final BinSnapshot EMPTY = new BinSnapshot(new int[0], new long[0], 0, 0);
}
