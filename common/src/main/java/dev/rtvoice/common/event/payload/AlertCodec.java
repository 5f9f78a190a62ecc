package dev.rtvoice.common.event.payload;

import dev.rtvoice.common.event.InvalidEventException;
import io.vertx.core.json.JsonObject;
import java.util.Map;

/** JSON of {@link AlertPayload}: written by alerting-service, read back by its instances on start. */
public final class AlertCodec {
  public static final String FIRING = "firing";
  public static final String RESOLVED = "resolved";

  private AlertCodec() {}

  public static JsonObject encode(AlertPayload p) {
    JsonObject json = new JsonObject()
        .put("alertname", p.alertname())
        .put("fingerprint", p.fingerprint())
        .put("status", p.status())
        .put("labels", Fields.sorted(p.labels()))
        .put("annotations", Fields.sorted(p.annotations()))
        .put("starts_at_ms", p.startsAtMs());
    if (p.endsAtMs() != null) {
      json.put("ends_at_ms", p.endsAtMs());
    }
    // JSON has no NaN
    return json.put("value", Double.isFinite(p.value()) ? p.value() : null);
  }

  /**
   * The fingerprint alone (the key a reader keeps the newest event of each alert by), as strictly as
   * {@link #decode(JsonObject)} reads it.
   */
  public static String fingerprint(JsonObject json) {
    return Fields.text(json, "fingerprint");
  }

  /**
   * Strict on what a reader relies on ({@code labels.alertname} must equal {@code alertname}); a
   * {@code value} that is not a number reads as NaN, like an alert that had no measurement.
   */
  public static AlertPayload decode(JsonObject json) {
    String alertname = Fields.text(json, "alertname");
    String fingerprint = Fields.text(json, "fingerprint");
    String status = Fields.text(json, "status");
    if (!FIRING.equals(status) && !RESOLVED.equals(status)) {
      throw new InvalidEventException("payload.status", "must be firing or resolved");
    }
    Map<String, String> labels = Fields.strings(Fields.object(json, "labels"), "payload.labels");
    if (!alertname.equals(labels.get("alertname"))) {
      throw new InvalidEventException("payload.labels.alertname", "must equal alertname");
    }
    Map<String, String> annotations = Fields.strings(Fields.object(json, "annotations"), "payload.annotations");
    long startsAt = Fields.number(json, "starts_at_ms");
    Object ends = json.getValue("ends_at_ms");
    if (ends != null && !(ends instanceof Number)) {
      throw new InvalidEventException("payload.ends_at_ms", "must be a number");
    }
    Object value = json.getValue("value");
    return new AlertPayload(alertname, fingerprint, status, labels, annotations, startsAt,
        ends == null ? null : ((Number) ends).longValue(), value instanceof Number n ? n.doubleValue() : Double.NaN);
  }
}
