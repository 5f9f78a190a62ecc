package dev.rtvoice.common.event.payload;

import dev.rtvoice.common.event.InvalidEventException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;

/** JSON of {@link LatencyBatchPayload}: written and read by metrics-service. */
public final class LatencyBatchCodec {
  private LatencyBatchCodec() {}

  public static JsonObject encode(LatencyBatchPayload p) {
    JsonArray samples = new JsonArray(new ArrayList<>(p.samples().size()));
    for (LatencyBatchPayload.Sample s : p.samples()) {
      samples.add(new JsonArray().add(s.stage()).add(s.valueMs()).add(s.turn()).add(s.occurredAtMs())
          .add(s.platform()).add(s.model()));
    }
    return new JsonObject().put("batch_id", p.batchId()).put("chunk", p.chunk()).put("samples", samples);
  }

  /**
   * A payload of the wrong shape ({@code batch_id}, {@code chunk} or {@code samples} missing or
   * mistyped) is an {@link InvalidEventException}; a single sample of the wrong shape is only counted
   * in {@link LatencyBatchPayload#malformed()}, so that one bad element does not cost the chunk.
   * Values are not range-checked here: that is the reader's rule.
   */
  public static LatencyBatchPayload decode(JsonObject json) {
    if (!(json.getValue("batch_id") instanceof String batchId)) {
      throw new InvalidEventException("payload.batch_id", "must be a string");
    }
    if (!(json.getValue("chunk") instanceof Integer chunk)) {
      throw new InvalidEventException("payload.chunk", "must be an integer");
    }
    JsonArray list = Fields.array(json, "samples");
    List<LatencyBatchPayload.Sample> out = new ArrayList<>(list.size());
    int malformed = 0;
    for (Object element : list) {
      LatencyBatchPayload.Sample s = element instanceof JsonArray a ? sample(a) : null;
      if (s == null) {
        malformed++;
      } else {
        out.add(s);
      }
    }
    return new LatencyBatchPayload(batchId, chunk, out, malformed);
  }

  private static LatencyBatchPayload.Sample sample(JsonArray a) {
    if (a.size() != 6 || !(a.getValue(0) instanceof String stage) || !(a.getValue(1) instanceof Number value)
        || !(a.getValue(2) instanceof Number turn) || !(a.getValue(3) instanceof Number occurredAt)
        || !(a.getValue(4) instanceof String platform)) {
      return null;
    }
    Object model = a.getValue(5);
    if (model != null && !(model instanceof String)) {
      return null;
    }
    return new LatencyBatchPayload.Sample(stage, value.doubleValue(), turn.longValue(), occurredAt.longValue(),
        platform, (String) model);
  }
}
