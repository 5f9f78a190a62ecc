package dev.rtvoice.alerting.domain.rule;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * One alerting rule, as validated from the rules file: the alert fires for a group of series when
 * {@code expr op threshold} holds with at least {@code minSamples} samples, for {@code forDuration} of
 * event time, and keeps firing {@code keepFiringFor} after it stopped holding (Prometheus' semantics).
 */
public record RuleSpec(
    String name,
    ValueExpr expr,
    Comparison op,
    Threshold threshold,
    double minSamples,
    Duration forDuration,
    Duration keepFiringFor,
    Map<String, String> labels,
    Map<String, AnnotationTemplate> annotations) {

  public RuleSpec {
    labels = Map.copyOf(labels);
    annotations = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(annotations));
  }

  /** Every view the rule reads, its baseline included. */
  public List<ViewSpec> views() {
    Stream<ViewSpec> own = expr.views().stream();
    return threshold instanceof Threshold.Baseline b ? Stream.concat(own, Stream.of(b.view())).toList() : own.toList();
  }

  /** A short text form of the condition, for the rules API and generator links. */
  public String describe() {
    String value;
    if (expr instanceof ValueExpr.Quantile q) {
      value = "quantile(" + q.q() + ", " + viewText(q.view()) + ")";
    } else if (expr instanceof ValueExpr.Increase i) {
      value = "increase(" + viewText(i.view()) + ")";
    } else {
      ValueExpr.Ratio r = (ValueExpr.Ratio) expr;
      value = "increase(" + viewText(r.numerator()) + ") / increase(" + viewText(r.denominator()) + ")";
    }
    String by = expr.by().isEmpty() ? "" : " by (" + String.join(", ", expr.by()) + ")";
    String thr = threshold instanceof Threshold.Baseline b
        ? AnnotationTemplate.number(b.factor()) + " * average increase per " + duration(rangeOf(expr)) + " of "
            + viewText(b.view())
        : AnnotationTemplate.number(((Threshold.Fixed) threshold).value());
    String min = minSamples > 0 ? " with at least " + AnnotationTemplate.number(minSamples) + " samples" : "";
    return value + by + " " + op.symbol() + " " + thr + min;
  }

  private static String viewText(ViewSpec v) {
    StringBuilder out = new StringBuilder(v.metric());
    if (!v.matchers().isEmpty()) {
      out.append('{');
      for (int i = 0; i < v.matchers().size(); i++) {
        out.append(i > 0 ? ", " : "").append(v.matchers().get(i));
      }
      out.append('}');
    }
    out.append('[').append(duration(v.rangeMs())).append(']');
    if (v.offsetMs() > 0) {
      out.append(" offset ").append(duration(v.offsetMs()));
    }
    return out.toString();
  }

  private static long rangeOf(ValueExpr expr) {
    return expr.views().get(0).rangeMs();
  }

  static String duration(long ms) {
    if (ms % 3_600_000 == 0) {
      return ms / 3_600_000 + "h";
    }
    if (ms % 60_000 == 0) {
      return ms / 60_000 + "m";
    }
    if (ms % 1000 == 0) {
      return ms / 1000 + "s";
    }
    return ms + "ms";
  }
}
