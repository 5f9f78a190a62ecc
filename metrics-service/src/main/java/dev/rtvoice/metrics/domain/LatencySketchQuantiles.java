package dev.rtvoice.metrics.domain;

import dev.rtvoice.common.metrics.LatencySketch;
import java.util.EnumMap;
import java.util.Map;

/** Small helpers over the sketches of a view. */
public final class LatencySketchQuantiles {
  private LatencySketchQuantiles() {}

  /** p95 per stage in ms; NaN for a stage without samples. */
  public static Map<Stage, Double> p95ByStage(ClusterLatencyView.View view) {
    Map<Stage, Double> out = new EnumMap<>(Stage.class);
    for (Stage stage : Stage.all()) {
      LatencySketch sketch = view.stage(stage);
      out.put(stage, sketch == null || sketch.isEmpty() ? Double.NaN : sketch.quantile(0.95));
    }
    return out;
  }
}
