package dev.rtvoice.alerting.delivery;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** The JSON receivers expect: Alertmanager's API v2 alerts and its webhook payload, version 4. */
public final class Payloads {
  /** How Alertmanager writes the end of an alert that has not ended (Go's zero time). */
  public static final String NO_END = "0001-01-01T00:00:00Z";

  private Payloads() {}

  /**
   * {@code POST /api/v2/alerts}: a firing alert's endsAt is {@code validUntilMs}, after which
   * Alertmanager resolves it unless it is re-sent (Prometheus' scheme); a resolved one ends when it
   * resolved.
   */
  public static JsonArray alertmanager(List<AlertNotice> alerts, long validUntilMs) {
    JsonArray out = new JsonArray();
    for (AlertNotice a : alerts) {
      out.add(new JsonObject()
          .put("labels", sorted(a.labels()))
          .put("annotations", sorted(a.annotations()))
          .put("startsAt", Instant.ofEpochMilli(a.startsAtMs()).toString())
          .put("endsAt", Instant.ofEpochMilli(a.firing() ? validUntilMs : a.endsAtMs()).toString())
          .put("generatorURL", a.generatorUrl()));
    }
    return out;
  }

  /** Alertmanager's webhook payload, version 4, for one notification of one group. */
  public static JsonObject webhook(String receiver, String groupKey, Map<String, String> groupLabels,
                                   List<AlertNotice> alerts, String externalUrl) {
    boolean anyFiring = alerts.stream().anyMatch(AlertNotice::firing);
    JsonArray list = new JsonArray();
    for (AlertNotice a : alerts) {
      list.add(new JsonObject()
          .put("status", a.status().wireName())
          .put("labels", sorted(a.labels()))
          .put("annotations", sorted(a.annotations()))
          .put("startsAt", Instant.ofEpochMilli(a.startsAtMs()).toString())
          .put("endsAt", a.firing() ? NO_END : Instant.ofEpochMilli(a.endsAtMs()).toString())
          .put("generatorURL", a.generatorUrl())
          .put("fingerprint", a.fingerprint()));
    }
    return new JsonObject()
        .put("version", "4")
        .put("groupKey", groupKey)
        .put("truncatedAlerts", 0)
        .put("status", anyFiring ? "firing" : "resolved")
        .put("receiver", receiver)
        .put("groupLabels", sorted(groupLabels))
        .put("commonLabels", sorted(common(alerts, true)))
        .put("commonAnnotations", sorted(common(alerts, false)))
        .put("externalURL", externalUrl)
        .put("alerts", list);
  }

  /** Labels (or annotations) that every alert has with the same value. */
  private static Map<String, String> common(List<AlertNotice> alerts, boolean labels) {
    if (alerts.isEmpty()) {
      return Map.of();
    }
    Map<String, String> common = new HashMap<>(labels ? alerts.get(0).labels() : alerts.get(0).annotations());
    for (AlertNotice a : alerts) {
      Map<String, String> m = labels ? a.labels() : a.annotations();
      common.entrySet().removeIf(e -> !e.getValue().equals(m.get(e.getKey())));
    }
    return common;
  }

  private static JsonObject sorted(Map<String, String> map) {
    JsonObject out = new JsonObject();
    new TreeMap<>(map).forEach(out::put);
    return out;
  }
}
