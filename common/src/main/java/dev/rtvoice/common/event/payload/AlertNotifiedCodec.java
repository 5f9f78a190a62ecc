package dev.rtvoice.common.event.payload;

import dev.rtvoice.common.event.InvalidEventException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.TreeSet;

/**
 * JSON of {@link AlertNotifiedPayload}: written and read by alerting-service's instances (the shared
 * notification log). Fingerprints are written sorted, so one notification always has the same bytes.
 */
public final class AlertNotifiedCodec {
  private AlertNotifiedCodec() {}

  public static JsonObject encode(AlertNotifiedPayload p) {
    return new JsonObject()
        .put("instance", p.instance())
        .put("receiver", p.receiver())
        .put("group_key", p.groupKey())
        .put("firing", new JsonArray(new ArrayList<>(new TreeSet<>(p.firing()))))
        .put("resolved", new JsonArray(new ArrayList<>(new TreeSet<>(p.resolved()))))
        .put("notified_at_ms", p.notifiedAtMs());
  }

  /** Strictly decoded; {@link InvalidEventException} names the field that is wrong. */
  public static AlertNotifiedPayload decode(JsonObject json) {
    long at = Fields.number(json, "notified_at_ms");
    return new AlertNotifiedPayload(Fields.text(json, "instance"), Fields.text(json, "receiver"),
        Fields.text(json, "group_key"), fingerprints(json, "firing"), fingerprints(json, "resolved"), at);
  }

  private static Set<String> fingerprints(JsonObject json, String field) {
    Set<String> out = new LinkedHashSet<>();
    for (Object o : Fields.array(json, field)) {
      if (!(o instanceof String s) || s.isEmpty()) {
        throw new InvalidEventException("payload." + field, "must hold fingerprints (strings)");
      }
      out.add(s);
    }
    return out;
  }
}
