package dev.rtvoice.alerting.config;

import dev.rtvoice.common.config.ConfigException;
import dev.rtvoice.common.config.Env;
import dev.rtvoice.common.kafka.KafkaSettings;
import dev.rtvoice.common.kafka.Topics;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Settings of alerting-service, from the environment (every variable, with its default, is in the
 * module README).
 *
 * @param rulesFile {@code ALERT_RULES_FILE}; null for the shipped default rules
 * @param alertmanagers {@code ALERTMANAGER_URL}, comma-separated base URLs; none by default
 * @param webhooks {@code ALERT_WEBHOOK_URLS}, comma-separated; none by default
 * @param externalUrl {@code ALERT_EXTERNAL_URL}: this service's URL as receivers should link to it
 *     ({@code generatorURL}, {@code externalURL}); default {@code http://<host>:<port>}
 */
public record AlertingServiceConfig(
    String host,
    int port,
    KafkaSettings kafka,
    Topics topics,
    Path rulesFile,
    List<URI> alertmanagers,
    List<URI> webhooks,
    String externalUrl,
    Grouping grouping,
    Delivery delivery,
    Windows windows) {

  public static final String SERVICE_NAME = "alerting-service";

  /**
   * Alertmanager's dispatcher settings for the webhook path.
   *
   * @param groupBy {@code ALERT_GROUP_BY}, default {@code alertname}; {@code ...} groups by every label
   * @param groupWait {@code ALERT_GROUP_WAIT}, default 0s: a new group's first notification leaves at once
   * @param groupInterval {@code ALERT_GROUP_INTERVAL}, default 5m: between notifications of a changed group
   * @param repeatInterval {@code ALERT_REPEAT_INTERVAL}, default 4h: before an unchanged firing group is re-sent
   * @param sendResolved {@code ALERT_SEND_RESOLVED}, default true
   */
  public record Grouping(List<String> groupBy, Duration groupWait, Duration groupInterval, Duration repeatInterval,
                         boolean sendResolved) {}

  /**
   * How alerts leave the service.
   *
   * @param timeout {@code ALERT_DELIVERY_TIMEOUT}, default 10s: one HTTP call to a receiver
   * @param retries {@code ALERT_DELIVERY_RETRIES}, default 5: further attempts after a failed call
   * @param backoff {@code ALERT_DELIVERY_BACKOFF}, default 500ms: first retry delay, doubled each time
   * @param maxBackoff {@code ALERT_DELIVERY_MAX_BACKOFF}, default 30s
   * @param resendDelay {@code ALERT_RESEND_DELAY}, default 1m: Alertmanager re-send of firing alerts
   *     (each carries endsAt = now + 4 x this, as Prometheus does)
   */
  public record Delivery(Duration timeout, int retries, Duration backoff, Duration maxBackoff, Duration resendDelay) {}

  /**
   * How panes become windows and when rules run.
   *
   * @param lateGrace {@code ALERT_LATE_GRACE}, default 2m: a late instance's pane is merged while its
   *     bucket ended less than this before the newest bucket
   * @param maxFutureSkew {@code ALERT_MAX_FUTURE_SKEW}, default 10m: panes starting further ahead of
   *     the wall clock are refused
   * @param coalesce {@code ALERT_EVAL_COALESCE}, default 10ms: panes arriving this close together
   *     cost one evaluation
   * @param idleAdvance {@code ALERT_IDLE_ADVANCE}, default 5m (0s disables): with no pane for this
   *     long, event time follows the wall clock, so alerts resolve when traffic stops entirely
   * @param restoreMargin {@code ALERT_RESTORE_MARGIN}, default 5m: read back this much more than
   *     the longest window when rebuilding the windows at start
   */
  public record Windows(Duration lateGrace, Duration maxFutureSkew, Duration coalesce, Duration idleAdvance,
                        Duration restoreMargin) {}

  public static AlertingServiceConfig fromEnv(Env env) {
    String host = env.string("HTTP_HOST", "0.0.0.0");
    int port = env.intInRange("HTTP_PORT", 8084, 0, 65535);
    String defaultExternal = "http://" + ("0.0.0.0".equals(host) ? "localhost" : host) + ":" + port;
    String external = env.string("ALERT_EXTERNAL_URL", defaultExternal);
    uri("ALERT_EXTERNAL_URL", external);
    Grouping grouping = new Grouping(
        groupBy(env),
        env.duration("ALERT_GROUP_WAIT", Duration.ZERO),
        positive(env, "ALERT_GROUP_INTERVAL", Duration.ofMinutes(5)),
        positive(env, "ALERT_REPEAT_INTERVAL", Duration.ofHours(4)),
        env.bool("ALERT_SEND_RESOLVED", true));
    Delivery delivery = new Delivery(
        positive(env, "ALERT_DELIVERY_TIMEOUT", Duration.ofSeconds(10)),
        env.intInRange("ALERT_DELIVERY_RETRIES", 5, 0, 100),
        positive(env, "ALERT_DELIVERY_BACKOFF", Duration.ofMillis(500)),
        positive(env, "ALERT_DELIVERY_MAX_BACKOFF", Duration.ofSeconds(30)),
        positive(env, "ALERT_RESEND_DELAY", Duration.ofMinutes(1)));
    Windows windows = new Windows(
        env.duration("ALERT_LATE_GRACE", Duration.ofMinutes(2)),
        env.duration("ALERT_MAX_FUTURE_SKEW", Duration.ofMinutes(10)),
        env.duration("ALERT_EVAL_COALESCE", Duration.ofMillis(10)),
        env.duration("ALERT_IDLE_ADVANCE", Duration.ofMinutes(5)),
        env.duration("ALERT_RESTORE_MARGIN", Duration.ofMinutes(5)));
    return new AlertingServiceConfig(
        host,
        port,
        KafkaSettings.fromEnv(env, SERVICE_NAME),
        Topics.fromEnv(env),
        env.optional("ALERT_RULES_FILE").map(Path::of).orElse(null),
        uris(env, "ALERTMANAGER_URL"),
        uris(env, "ALERT_WEBHOOK_URLS"),
        external.endsWith("/") ? external.substring(0, external.length() - 1) : external,
        grouping,
        delivery,
        windows);
  }

  private static List<String> groupBy(Env env) {
    List<String> groupBy = env.list("ALERT_GROUP_BY", List.of("alertname"));
    for (String label : groupBy) {
      if (!label.equals("...") && !label.matches("[A-Za-z_][A-Za-z0-9_]*")) {
        throw new ConfigException("ALERT_GROUP_BY must be label names separated by commas (or ...), got '"
            + label + "'");
      }
    }
    if (groupBy.contains("...") && groupBy.size() > 1) {
      throw new ConfigException("ALERT_GROUP_BY: ... (every label) cannot be combined with label names");
    }
    return groupBy;
  }

  private static Duration positive(Env env, String name, Duration defaultValue) {
    Duration d = env.duration(name, defaultValue);
    if (d.isZero()) {
      throw new ConfigException(name + " must be longer than zero");
    }
    return d;
  }

  private static List<URI> uris(Env env, String name) {
    List<URI> out = new ArrayList<>();
    for (String raw : env.list(name, List.of())) {
      out.add(uri(name, raw));
    }
    return List.copyOf(out);
  }

  /** Parses an http(s) URL; the message never repeats the URL, which may carry a token. */
  private static URI uri(String name, String raw) {
    URI uri;
    try {
      uri = new URI(raw);
    } catch (java.net.URISyntaxException e) {
      throw new ConfigException(name + " holds a value that is not a URL");
    }
    if (uri.getScheme() == null || !(uri.getScheme().equals("http") || uri.getScheme().equals("https"))
        || uri.getHost() == null) {
      throw new ConfigException(name + " must hold http:// or https:// URLs with a host");
    }
    return uri;
  }
}
