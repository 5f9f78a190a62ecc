package dev.rtvoice.alerting.evaluation;

import dev.rtvoice.alerting.delivery.AlertNotice;
import dev.rtvoice.alerting.domain.RestoredAlert;
import dev.rtvoice.alerting.domain.alert.AlertSnapshot;
import dev.rtvoice.alerting.domain.alert.Transition;
import dev.rtvoice.alerting.domain.rule.AnnotationTemplate;
import dev.rtvoice.alerting.domain.rule.RuleSpec;
import java.util.LinkedHashMap;
import java.util.Map;

/** Turns the evaluator's transitions into what receivers and Kafka get, annotations rendered. */
public final class Notices {
  private final String externalUrl;

  public Notices(String externalUrl) {
    this.externalUrl = externalUrl;
  }

  public String generatorUrl(String rule) {
    return externalUrl + "/v1/rules/" + rule;
  }

  public AlertNotice of(Transition t, RuleSpec rule) {
    AlertSnapshot a = t.alert();
    boolean resolved = t.kind() == Transition.Kind.RESOLVED;
    return new AlertNotice(resolved ? AlertNotice.Status.RESOLVED : AlertNotice.Status.FIRING, a.fingerprintHex(),
        a.labels().asMap(), annotations(a, rule), a.firedAt(), resolved ? t.at() : 0, a.value(),
        generatorUrl(rule.name()));
  }

  /** A restored alert as it was last sent (it resolves with {@code endsAtMs} when nonzero). */
  public AlertNotice of(RestoredAlert a, long endsAtMs) {
    return new AlertNotice(endsAtMs == 0 ? AlertNotice.Status.FIRING : AlertNotice.Status.RESOLVED,
        dev.rtvoice.alerting.domain.Fingerprint.hex(a.labels().fingerprint()), a.labels().asMap(), a.annotations(),
        a.startsAtMs(), endsAtMs, a.value(), generatorUrl(a.alertname()));
  }

  public static Map<String, String> annotations(AlertSnapshot a, RuleSpec rule) {
    if (a.restoredAnnotations() != null) {
      return a.restoredAnnotations();
    }
    AnnotationTemplate.Context context = new AnnotationTemplate.Context(a.value(), a.threshold(), a.samples(),
        a.labels());
    Map<String, String> out = new LinkedHashMap<>();
    rule.annotations().forEach((k, v) -> out.put(k, v.render(context)));
    return out;
  }
}
