package dev.rtvoice.alerting.evaluation;

import dev.rtvoice.alerting.domain.RuleEvaluator;
import dev.rtvoice.alerting.domain.alert.Alert;
import dev.rtvoice.alerting.domain.alert.AlertSnapshot;
import dev.rtvoice.alerting.domain.alert.AlertState;
import dev.rtvoice.alerting.domain.alert.Measurement;
import dev.rtvoice.alerting.domain.rule.RuleSpec;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** The JSON of {@code GET /v1/alerts} and {@code GET /v1/rules}, read from the evaluator on its own thread. */
public final class AlertViews {
  /** Groups shown per rule in {@code last_values}: the ones with the highest values. */
  static final int MAX_GROUPS_SHOWN = 20;

  private final RuleEvaluator evaluator;
  private final Notices notices;

  public AlertViews(RuleEvaluator evaluator, Notices notices) {
    this.evaluator = evaluator;
    this.notices = notices;
  }

  /** Active alerts (pending and firing), optionally of one state and one alertname. */
  public JsonObject alerts(String state, String alertname) {
    JsonArray list = new JsonArray();
    for (RuleEvaluator.RuleRuntime rule : evaluator.rules()) {
      if (alertname != null && !alertname.equals(rule.spec().name())) {
        continue;
      }
      List<Alert> alerts = new ArrayList<>(rule.alerts());
      alerts.sort(Comparator.comparing(Alert::labels));
      for (Alert a : alerts) {
        if (state == null || state.equals(a.state().wireName())) {
          list.add(alert(rule.spec(), a));
        }
      }
    }
    return new JsonObject().put("event_time", time(evaluator.eventTime())).put("alerts", list);
  }

  private JsonObject alert(RuleSpec rule, Alert a) {
    AlertSnapshot s = AlertSnapshot.of(a);
    JsonObject json = new JsonObject()
        .put("alertname", rule.name())
        .put("fingerprint", s.fingerprintHex())
        .put("state", a.state().wireName())
        .put("labels", sorted(a.labels().asMap()))
        .put("annotations", sorted(Notices.annotations(s, rule)))
        .put("active_at", time(a.activeAt()))
        .put("fired_at", a.state() == AlertState.FIRING ? time(a.firedAt()) : null)
        .put("value", number(a.value()))
        .put("generator_url", notices.generatorUrl(rule.name()));
    if (a.keepFiringSince() != Long.MIN_VALUE) {
      json.put("keep_firing_since", time(a.keepFiringSince()));
    }
    return json;
  }

  public JsonObject rules() {
    JsonArray list = new JsonArray();
    for (RuleEvaluator.RuleRuntime rule : evaluator.rules()) {
      list.add(rule(rule));
    }
    long since = evaluator.store().dataSince();
    return new JsonObject().put("event_time", time(evaluator.eventTime()))
        .put("data_since", since == Long.MAX_VALUE ? null : time(since))
        .put("rules", list);
  }

  /** One rule, or null. */
  public JsonObject rule(String name) {
    RuleEvaluator.RuleRuntime rule = evaluator.rule(name);
    return rule == null ? null : rule(rule);
  }

  private JsonObject rule(RuleEvaluator.RuleRuntime rule) {
    RuleSpec spec = rule.spec();
    String state = "inactive";
    int firing = 0;
    int pending = 0;
    for (Alert a : rule.alerts()) {
      if (a.state() == AlertState.FIRING) {
        firing++;
      } else {
        pending++;
      }
    }
    if (firing > 0) {
      state = "firing";
    } else if (pending > 0) {
      state = "pending";
    }
    List<Measurement> measured = new ArrayList<>(rule.lastMeasurements());
    measured.sort(Comparator.comparingDouble(Measurement::value).reversed());
    JsonArray values = new JsonArray();
    for (Measurement m : measured.subList(0, Math.min(MAX_GROUPS_SHOWN, measured.size()))) {
      values.add(new JsonObject()
          .put("labels", sorted(m.group().asMap()))
          .put("value", number(m.value()))
          .put("threshold", number(m.threshold()))
          .put("samples", number(m.samples()))
          .put("holds", m.holds()));
    }
    Measurement top = measured.isEmpty() ? null : measured.get(0);
    JsonObject annotations = new JsonObject();
    spec.annotations().forEach((k, v) -> annotations.put(k, v.source()));
    return new JsonObject()
        .put("name", spec.name())
        .put("query", spec.describe())
        .put("state", state)
        .put("for", spec.forDuration().toString())
        .put("keep_firing_for", spec.keepFiringFor().toString())
        .put("labels", sorted(spec.labels()))
        .put("annotations", annotations)
        .put("last_value", top == null ? null : number(top.value()))
        .put("last_samples", top == null ? null : number(top.samples()))
        .put("last_threshold", top == null ? null : number(top.threshold()))
        .put("last_evaluation", time(rule.lastEvaluatedAt()))
        .put("evaluations", rule.evaluations())
        .put("groups_measured", measured.size())
        .put("last_values", values)
        .put("alerts", new JsonObject().put("firing", firing).put("pending", pending));
  }

  private static String time(long ms) {
    return ms == Long.MIN_VALUE ? null : Instant.ofEpochMilli(ms).toString();
  }

  private static Double number(double v) {
    return Double.isFinite(v) ? v : null;
  }

  private static JsonObject sorted(Map<String, String> map) {
    JsonObject out = new JsonObject();
    new TreeMap<>(map).forEach(out::put);
    return out;
  }
}
