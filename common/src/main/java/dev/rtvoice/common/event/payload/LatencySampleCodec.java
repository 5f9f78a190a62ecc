package dev.rtvoice.common.event.payload;

import dev.rtvoice.common.event.InvalidEventException;
import io.vertx.core.json.JsonObject;

/**
 * JSON of {@link LatencySamplePayload}: written by session-service, read by metrics-service. Field
 * order is fixed (stage, value_ms, turn, platform, model), and an integral {@code value_ms} is
 * written as an integer, so equal samples encode to equal bytes.
 */
public final class LatencySampleCodec {
  private LatencySampleCodec() {}

  public static JsonObject encode(LatencySamplePayload p) {
    JsonObject json = new JsonObject().put("stage", p.stage());
    Double v = p.valueMs();
    json.put("value_ms", v != null && v == Math.rint(v) && Math.abs(v) < 0x1p53 ? (Object) v.longValue() : v);
    json.put("turn", p.turn()).put("platform", p.platform());
    if (p.model() != null) {
      json.put("model", p.model());
    }
    return json;
  }

  /**
   * Types checked in field order; an {@link InvalidEventException} names the first mistyped field
   * ({@code payload.stage}, {@code payload.value_ms}, {@code payload.turn}, {@code payload.platform},
   * {@code payload.model}).
   */
  public static LatencySamplePayload decode(JsonObject json) {
    String stage = Fields.optionalText(json, "stage");
    Double value = Fields.optionalNumber(json, "value_ms");
    Long turn = Fields.optionalInteger(json, "turn");
    String platform = Fields.optionalText(json, "platform");
    String model = Fields.optionalText(json, "model");
    return new LatencySamplePayload(stage, value, turn, platform, model);
  }
}
