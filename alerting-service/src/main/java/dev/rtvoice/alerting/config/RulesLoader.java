package dev.rtvoice.alerting.config;

import dev.rtvoice.alerting.domain.rule.AnnotationTemplate;
import dev.rtvoice.alerting.domain.rule.Comparison;
import dev.rtvoice.alerting.domain.rule.LabelMatcher;
import dev.rtvoice.alerting.domain.rule.RuleSpec;
import dev.rtvoice.alerting.domain.rule.Threshold;
import dev.rtvoice.alerting.domain.rule.ValueExpr;
import dev.rtvoice.alerting.domain.rule.ViewSpec;
import dev.rtvoice.common.config.ConfigException;
import dev.rtvoice.common.config.Env;
import dev.rtvoice.common.metrics.WindowPane;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.YAMLException;

/**
 * Reads and validates a rules file (YAML, or JSON when the name ends in {@code .json}). Every problem
 * is reported, each naming the rule and the field, and any problem stops the start: a rule that is
 * silently wrong pages nobody. The format is in the module README ("Rules").
 */
public final class RulesLoader {
  /** The rules shipped with the service, used when {@code ALERT_RULES_FILE} is not set. */
  public static final String DEFAULT_RESOURCE = "default-rules.yaml";

  private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
  private static final Pattern METRIC = Pattern.compile("[A-Za-z_][A-Za-z0-9_.:]*");
  private static final Set<String> RULE_FIELDS = Set.of("alert", "expr", "op", "threshold", "min_samples", "for",
      "keep_firing_for", "labels", "annotations");
  private static final Set<String> EXPR_FIELDS = Set.of("quantile", "increase", "ratio", "metric", "stage", "range",
      "where", "by");
  private static final Set<String> SIDE_FIELDS = Set.of("increase", "where");

  private final List<String> errors = new ArrayList<>();
  private String where = "";

  private RulesLoader() {}

  /** The rules of {@code ALERT_RULES_FILE}, or the shipped defaults. */
  public static List<RuleSpec> load(Path file) {
    if (file == null) {
      try (InputStream in = RulesLoader.class.getClassLoader().getResourceAsStream(DEFAULT_RESOURCE)) {
        if (in == null) {
          throw new ConfigException("the default rules (" + DEFAULT_RESOURCE + ") are missing from the classpath");
        }
        return parse(new String(in.readAllBytes(), StandardCharsets.UTF_8), DEFAULT_RESOURCE, false);
      } catch (IOException e) {
        throw new ConfigException("cannot read the default rules: " + e.getMessage());
      }
    }
    String text;
    try {
      text = Files.readString(file);
    } catch (IOException e) {
      throw new ConfigException("ALERT_RULES_FILE " + file + " cannot be read: " + e.getClass().getSimpleName());
    }
    return parse(text, file.toString(), file.getFileName().toString().toLowerCase().endsWith(".json"));
  }

  /** Parses rules from text; {@link ConfigException} lists every problem. */
  public static List<RuleSpec> parse(String text, String source, boolean json) {
    Object document;
    try {
      document = json ? fromJson(text) : yaml().load(text);
    } catch (YAMLException | DecodeException e) {
      throw new ConfigException("rules file " + source + " is not valid " + (json ? "JSON" : "YAML") + ": "
          + e.getMessage().replaceAll("\\s+", " ").trim());
    }
    RulesLoader loader = new RulesLoader();
    List<RuleSpec> rules = loader.document(document);
    if (!loader.errors.isEmpty()) {
      throw new ConfigException("rules file " + source + " has " + loader.errors.size() + " problem"
          + (loader.errors.size() > 1 ? "s" : "") + ":\n  " + String.join("\n  ", loader.errors));
    }
    return rules;
  }

  private static Yaml yaml() {
    LoaderOptions options = new LoaderOptions();
    options.setAllowDuplicateKeys(false);
    options.setMaxAliasesForCollections(20);
    options.setCodePointLimit(4 * 1024 * 1024);
    return new Yaml(new SafeConstructor(options));
  }

  private static Object fromJson(String text) {
    Object value = new JsonObject(text);
    return plain(value);
  }

  private static Object plain(Object value) {
    if (value instanceof JsonObject o) {
      Map<String, Object> map = new LinkedHashMap<>();
      o.forEach(e -> map.put(e.getKey(), plain(e.getValue())));
      return map;
    }
    if (value instanceof JsonArray a) {
      List<Object> list = new ArrayList<>();
      a.forEach(v -> list.add(plain(v)));
      return list;
    }
    return value;
  }

  private List<RuleSpec> document(Object document) {
    List<RuleSpec> rules = new ArrayList<>();
    if (!(document instanceof Map<?, ?> top)) {
      errors.add("the file must be a mapping with a 'rules' list");
      return rules;
    }
    for (Object key : top.keySet()) {
      if (!"rules".equals(key)) {
        errors.add("unknown top-level field '" + key + "' (only 'rules')");
      }
    }
    if (!(top.get("rules") instanceof List<?> list)) {
      errors.add("'rules' must be a list of rules");
      return rules;
    }
    if (list.isEmpty()) {
      errors.add("'rules' is empty");
    }
    Set<String> names = new HashSet<>();
    Map<String, WindowPane.Kind> kinds = new LinkedHashMap<>();
    for (int i = 0; i < list.size(); i++) {
      where = "rules[" + i + "]";
      if (!(list.get(i) instanceof Map<?, ?> raw)) {
        errors.add(where + ": must be a mapping");
        continue;
      }
      Object name = raw.get("alert");
      if (name instanceof String s && NAME.matcher(s).matches()) {
        where = "rule '" + s + "' (rules[" + i + "])";
        if (!names.add(s)) {
          error("alert", "the name is used by another rule");
        }
      } else {
        error("alert", "is required: a name such as RealtimeFirstAudioP95High (letters, digits, _)");
      }
      int before = errors.size();
      RuleSpec rule = rule(raw);
      if (errors.size() == before && rule != null) {
        kindsAgree(rule, kinds);
        rules.add(rule);
      }
    }
    return rules;
  }

  /** A metric's panes are either latency sketches or counters; two rules cannot read it both ways. */
  private void kindsAgree(RuleSpec rule, Map<String, WindowPane.Kind> kinds) {
    for (ViewSpec view : rule.views()) {
      WindowPane.Kind known = kinds.putIfAbsent(view.metric(), view.kind());
      if (known != null && known != view.kind()) {
        error("expr", view.metric() + " is read as " + view.kind().name().toLowerCase() + " here but as "
            + known.name().toLowerCase() + " by an earlier rule");
      }
    }
  }

  private RuleSpec rule(Map<?, ?> raw) {
    unknownFields(raw, RULE_FIELDS, "");
    ValueExpr expr = expr(raw.get("expr"));
    Comparison op = Comparison.GT;
    Object rawOp = raw.get("op");
    if (rawOp != null) {
      op = rawOp instanceof String s ? Comparison.fromSymbol(s.trim()).orElse(null) : null;
      if (op == null) {
        error("op", "must be one of >, >=, <, <=, ==, !=");
      }
    }
    Threshold threshold = threshold(raw.get("threshold"), expr);
    double minSamples = 0;
    if (raw.get("min_samples") != null) {
      Double v = number(raw.get("min_samples"), "min_samples");
      if (v != null && v < 0) {
        error("min_samples", "must not be negative");
      } else if (v != null) {
        minSamples = v;
      }
    }
    Duration forDuration = duration(raw.get("for"), "for", Duration.ZERO, true);
    Duration keepFiringFor = duration(raw.get("keep_firing_for"), "keep_firing_for", Duration.ZERO, true);
    Map<String, String> labels = stringMap(raw.get("labels"), "labels");
    if (labels != null) {
      labels.keySet().forEach(name -> {
        if (!NAME.matcher(name).matches() || name.startsWith("__")) {
          error("labels." + name, "is not a valid label name (letters, digits, _; not starting with __)");
        }
      });
      if (labels.containsKey("alertname")) {
        error("labels.alertname", "is set from 'alert'; remove it");
      }
      if (!labels.containsKey("severity")) {
        error("labels.severity", "is required (receivers route on it), for example page, ticket or info");
      }
    }
    Map<String, String> rawAnnotations = stringMap(raw.get("annotations"), "annotations");
    Map<String, AnnotationTemplate> annotations = new LinkedHashMap<>();
    if (rawAnnotations != null) {
      if (!rawAnnotations.containsKey("summary")) {
        error("annotations.summary", "is required");
      }
      rawAnnotations.forEach((k, v) -> {
        try {
          annotations.put(k, AnnotationTemplate.parse(v));
        } catch (IllegalArgumentException e) {
          error("annotations." + k, e.getMessage());
        }
      });
    }
    if (expr == null || threshold == null || op == null || forDuration == null || keepFiringFor == null
        || labels == null || rawAnnotations == null) {
      return null;
    }
    String name = (String) raw.get("alert");
    if (name == null) {
      return null;
    }
    return new RuleSpec(name, expr, op, threshold, minSamples, forDuration, keepFiringFor, labels, annotations);
  }

  private ValueExpr expr(Object raw) {
    if (!(raw instanceof Map<?, ?> map)) {
      error("expr", "is required: a mapping with one of quantile, increase or ratio");
      return null;
    }
    unknownFields(map, EXPR_FIELDS, "expr.");
    int kinds = (map.containsKey("quantile") ? 1 : 0) + (map.containsKey("increase") ? 1 : 0)
        + (map.containsKey("ratio") ? 1 : 0);
    if (kinds != 1) {
      error("expr", "must have exactly one of quantile, increase or ratio");
      return null;
    }
    Duration range = duration(map.get("range"), "expr.range", null, false);
    List<String> by = labelNames(map.get("by"), "expr.by");
    // the rest is validated even when range or by are wrong, so that every problem is reported
    Duration r = range == null ? Duration.ofMinutes(5) : range;
    List<String> b = by == null ? List.of() : by;
    ValueExpr expr = kind(map, r, b);
    return range == null || by == null ? null : expr;
  }

  private ValueExpr kind(Map<?, ?> map, Duration range, List<String> by) {
    if (map.containsKey("quantile")) {
      Double q = number(map.get("quantile"), "expr.quantile");
      if (q != null && !(q > 0 && q < 1)) {
        error("expr.quantile", "must be between 0 and 1 (exclusive), for example 0.95");
        q = null;
      }
      String metric = quantileMetric(map);
      List<LabelMatcher> matchers = matchers(map.get("where"), "expr.where");
      if (q == null || metric == null || matchers == null) {
        return null;
      }
      return new ValueExpr.Quantile(q, new ViewSpec(metric, WindowPane.Kind.LATENCY, range.toMillis(), 0, matchers,
          by));
    }
    if (map.containsKey("metric") || map.containsKey("stage")) {
      error("expr", "metric and stage belong to quantile expressions; increase names its counter");
    }
    if (map.containsKey("increase")) {
      String metric = metricName(map.get("increase"), "expr.increase");
      List<LabelMatcher> matchers = matchers(map.get("where"), "expr.where");
      if (metric == null || matchers == null) {
        return null;
      }
      return new ValueExpr.Increase(new ViewSpec(metric, WindowPane.Kind.COUNTER, range.toMillis(), 0, matchers, by));
    }
    if (map.containsKey("where")) {
      error("expr.where", "a ratio takes 'where' on its numerator and denominator");
    }
    if (!(map.get("ratio") instanceof Map<?, ?> ratio)) {
      error("expr.ratio", "must be a mapping with numerator and denominator");
      return null;
    }
    unknownFields(ratio, Set.of("numerator", "denominator"), "expr.ratio.");
    ViewSpec numerator = side(ratio.get("numerator"), "expr.ratio.numerator", range, by);
    ViewSpec denominator = side(ratio.get("denominator"), "expr.ratio.denominator", range, by);
    if (numerator == null || denominator == null) {
      return null;
    }
    return new ValueExpr.Ratio(numerator, denominator);
  }

  private String quantileMetric(Map<?, ?> map) {
    boolean hasMetric = map.get("metric") != null;
    boolean hasStage = map.get("stage") != null;
    if (hasMetric == hasStage) {
      error("expr", "a quantile needs exactly one of metric (latency.first_audio) or stage (first_audio)");
      return null;
    }
    if (hasStage) {
      String stage = metricName(map.get("stage"), "expr.stage");
      return stage == null ? null : "latency." + stage;
    }
    return metricName(map.get("metric"), "expr.metric");
  }

  private ViewSpec side(Object raw, String field, Duration range, List<String> by) {
    if (!(raw instanceof Map<?, ?> map)) {
      error(field, "must be a mapping such as {increase: interrupt_total}");
      return null;
    }
    unknownFields(map, SIDE_FIELDS, field + ".");
    String metric = metricName(map.get("increase"), field + ".increase");
    List<LabelMatcher> matchers = matchers(map.get("where"), field + ".where");
    if (metric == null || matchers == null) {
      return null;
    }
    return new ViewSpec(metric, WindowPane.Kind.COUNTER, range.toMillis(), 0, matchers, by);
  }

  private Threshold threshold(Object raw, ValueExpr expr) {
    if (raw == null) {
      error("threshold", "is required: a number, or {baseline: 1h, factor: 3}");
      return null;
    }
    if (raw instanceof Map<?, ?> map) {
      unknownFields(map, Set.of("baseline", "factor"), "threshold.");
      Duration lookback = duration(map.get("baseline"), "threshold.baseline", null, false);
      Double factor = number(map.get("factor"), "threshold.factor");
      if (factor != null && !(factor > 0)) {
        error("threshold.factor", "must be positive");
        factor = null;
      }
      if (expr != null && !(expr instanceof ValueExpr.Increase)) {
        error("threshold.baseline", "a baseline compares an increase with its own past; use it with 'increase'");
        return null;
      }
      if (lookback == null || factor == null || expr == null) {
        return null;
      }
      ViewSpec own = ((ValueExpr.Increase) expr).view();
      ViewSpec baseline = new ViewSpec(own.metric(), own.kind(), lookback.toMillis(), own.rangeMs(), own.matchers(),
          own.by());
      return new Threshold.Baseline(baseline, factor, (double) own.rangeMs() / lookback.toMillis());
    }
    Double value = number(raw, "threshold");
    return value == null ? null : new Threshold.Fixed(value);
  }

  private List<LabelMatcher> matchers(Object raw, String field) {
    List<LabelMatcher> out = new ArrayList<>();
    if (raw == null) {
      return out;
    }
    if (!(raw instanceof Map<?, ?> map)) {
      error(field, "must be a mapping of label to value, list of values, or {not: ...}");
      return null;
    }
    boolean ok = true;
    for (Map.Entry<?, ?> e : map.entrySet()) {
      String label = String.valueOf(e.getKey());
      String f = field + "." + label;
      if (!NAME.matcher(label).matches()) {
        error(f, "is not a valid label name");
        ok = false;
        continue;
      }
      Object v = e.getValue();
      boolean negated = false;
      if (v instanceof Map<?, ?> not) {
        if (not.size() != 1 || !not.containsKey("not")) {
          error(f, "a mapping here must be {not: value or list}");
          ok = false;
          continue;
        }
        negated = true;
        v = not.get("not");
      }
      Set<String> values = new HashSet<>();
      if (v instanceof String s) {
        values.add(s);
      } else if (v instanceof List<?> list && !list.isEmpty() && list.stream().allMatch(x -> x instanceof String)) {
        list.forEach(x -> values.add((String) x));
      } else {
        error(f, "must be a string or a non-empty list of strings (quote values YAML reads as numbers or booleans)");
        ok = false;
        continue;
      }
      out.add(new LabelMatcher(label, values, negated));
    }
    return ok ? out : null;
  }

  private List<String> labelNames(Object raw, String field) {
    if (raw == null) {
      return List.of();
    }
    if (!(raw instanceof List<?> list)) {
      error(field, "must be a list of label names");
      return null;
    }
    List<String> out = new ArrayList<>();
    for (Object x : list) {
      if (!(x instanceof String s) || !NAME.matcher(s).matches()) {
        error(field, "'" + x + "' is not a valid label name");
        return null;
      }
      out.add(s);
    }
    return out;
  }

  private String metricName(Object raw, String field) {
    if (!(raw instanceof String s) || !METRIC.matcher(s).matches()) {
      error(field, "must be a metric name such as session_rotate_fail_total"
          + (raw == null ? "" : ", got '" + raw + "'"));
      return null;
    }
    return s;
  }

  private Double number(Object raw, String field) {
    if (raw instanceof Number n && Double.isFinite(n.doubleValue())) {
      return n.doubleValue();
    }
    error(field, raw == null ? "is required: a number" : "must be a number, got '" + raw + "'");
    return null;
  }

  private Duration duration(Object raw, String field, Duration defaultValue, boolean zeroAllowed) {
    if (raw == null) {
      if (defaultValue == null) {
        error(field, "is required: a duration such as 30s, 5m or 1h");
      }
      return defaultValue;
    }
    Duration d;
    if (raw instanceof Integer i && i == 0) {
      d = Duration.ZERO;
    } else if (raw instanceof String s) {
      try {
        d = Env.parseDuration(field, s);
      } catch (ConfigException e) {
        error(field, "must be a duration such as 1500ms, 30s, 5m or 1h, got '" + s + "'");
        return null;
      }
    } else {
      error(field, "must be a duration such as 1500ms, 30s, 5m or 1h, got '" + raw + "'");
      return null;
    }
    if (!zeroAllowed && d.isZero()) {
      error(field, "must be longer than zero");
      return null;
    }
    return d;
  }

  private Map<String, String> stringMap(Object raw, String field) {
    if (raw == null) {
      error(field, "is required");
      return null;
    }
    if (!(raw instanceof Map<?, ?> map)) {
      error(field, "must be a mapping of names to strings");
      return null;
    }
    Map<String, String> out = new LinkedHashMap<>();
    for (Map.Entry<?, ?> e : map.entrySet()) {
      if (!(e.getValue() instanceof String v)) {
        error(field + "." + e.getKey(), "must be a string (quote values YAML reads as numbers or booleans)");
        continue;
      }
      out.put(String.valueOf(e.getKey()), v);
    }
    return out;
  }

  private void unknownFields(Map<?, ?> map, Set<String> known, String prefix) {
    for (Object key : map.keySet()) {
      if (!known.contains(String.valueOf(key))) {
        error(prefix + key, "unknown field (known: " + String.join(", ", new java.util.TreeSet<>(known)) + ")");
      }
    }
  }

  private void error(String field, String message) {
    errors.add(where + ": " + field + ": " + message);
  }
}
