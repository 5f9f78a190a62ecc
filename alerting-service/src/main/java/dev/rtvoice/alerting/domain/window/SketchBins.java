package dev.rtvoice.alerting.domain.window;

import com.datadoghq.sketch.ddsketch.DDSketch;
import com.datadoghq.sketch.ddsketch.encoding.ByteArrayInput;
import com.datadoghq.sketch.ddsketch.mapping.CubicallyInterpolatedMapping;
import com.datadoghq.sketch.ddsketch.mapping.IndexMapping;
import com.datadoghq.sketch.ddsketch.store.BinAcceptor;
import com.datadoghq.sketch.ddsketch.store.UnboundedSizeDenseStore;
import dev.rtvoice.common.metrics.LatencySketch;
import java.io.IOException;
import java.util.Arrays;

/**
 * Reads the bins out of a {@link LatencySketch}. Windows of latency are kept as bin counts rather
 * than as merged sketches because counts can be subtracted: a window slides by adding the bucket that
 * enters and removing the one that leaves, instead of re-merging every bucket at every evaluation.
 * The quantile computed from the counts is exactly the one the merged DDSketch would return (same
 * mapping, same rank rule), which {@code LatencyBinsTest} checks against {@link LatencySketch#merge}.
 *
 * <p>LatencySketch does not expose its bins, so they are read from its documented encoding (a format
 * byte, then DDSketch's own encoding).
 */
public final class SketchBins {
  /** The index mapping of every {@link LatencySketch}. */
  public static final IndexMapping MAPPING = new CubicallyInterpolatedMapping(LatencySketch.RELATIVE_ACCURACY);
  private static final byte FORMAT = LatencySketch.FORMAT;

  private SketchBins() {}

  /** The bins of {@code sketch}; {@link IllegalArgumentException} for sketches this service cannot judge. */
  public static BinSnapshot of(LatencySketch sketch) {
    byte[] bytes = sketch.serialize();
    if (bytes.length < 1 || bytes[0] != FORMAT) {
      throw new IllegalArgumentException("unknown latency sketch format");
    }
    DDSketch decoded;
    try {
      decoded = DDSketch.decode(ByteArrayInput.wrap(bytes, 1, bytes.length - 1), UnboundedSizeDenseStore::new);
    } catch (IOException e) {
      throw new IllegalArgumentException("corrupt latency sketch", e);
    }
    if (!MAPPING.equals(decoded.getIndexMapping())) {
      throw new IllegalArgumentException("latency sketch uses another index mapping");
    }
    if (!decoded.getNegativeValueStore().isEmpty()) {
      throw new IllegalArgumentException("latency sketch holds negative values");
    }
    Collector bins = new Collector();
    decoded.getPositiveValueStore().forEach(bins);
    long total = Math.round(decoded.getCount());
    long zero = Math.max(0, total - bins.total);
    return new BinSnapshot(Arrays.copyOf(bins.indexes, bins.size), Arrays.copyOf(bins.counts, bins.size), zero,
        bins.total + zero);
  }

  /** Gathers the store's bins in ascending index order. */
  private static final class Collector implements BinAcceptor {
    int[] indexes = new int[32];
    long[] counts = new long[32];
    int size;
    long total;

    @Override
    public void accept(int index, double count) {
      long c = Math.round(count);
      if (c <= 0) {
        return;
      }
      if (size == indexes.length) {
        indexes = Arrays.copyOf(indexes, size * 2);
        counts = Arrays.copyOf(counts, size * 2);
      }
      if (size > 0 && index <= indexes[size - 1]) {
        // dense stores visit bins in ascending order; anything else would break the quantile scan
        throw new IllegalArgumentException("latency sketch bins out of order");
      }
      indexes[size] = index;
      counts[size++] = c;
      total += c;
    }
  }
}
