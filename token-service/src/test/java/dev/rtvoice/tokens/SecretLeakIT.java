package dev.rtvoice.tokens;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.core.AppenderBase;
import dev.rtvoice.common.testing.Http;
import dev.rtvoice.common.testing.KafkaBrokerExtension;
import dev.rtvoice.common.testing.TestKafka;
import dev.rtvoice.tokens.testing.TokenServiceHarness;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.LoggerFactory;

/**
 * A full run (issues, rotations, upstream 500/429/401, a timeout, an open circuit, denials, debug
 * logging on) with every log line, every Kafka record and every HTTP response captured, then
 * searched: the API key appears nowhere, and no client secret appears in a log line, an event or
 * a metric (responses carry secrets only to the caller they belong to).
 */
@ExtendWith(KafkaBrokerExtension.class)
class SecretLeakIT {

  /** Captures every formatted log line, with exception messages and stack frames. */
  static final class Capture extends AppenderBase<ILoggingEvent> {
    final List<String> lines = Collections.synchronizedList(new ArrayList<>());

    @Override
    protected void append(ILoggingEvent event) {
      StringBuilder line = new StringBuilder(event.getFormattedMessage());
      for (IThrowableProxy t = event.getThrowableProxy(); t != null; t = t.getCause()) {
        line.append(" | ").append(t.getClassName()).append(": ").append(t.getMessage());
      }
      event.getMDCPropertyMap().forEach((k, v) -> line.append(' ').append(k).append('=').append(v));
      lines.add(line.toString());
    }
  }

  @Test
  void neitherTheApiKeyNorAClientSecretLeaks(TestKafka kafka) throws Exception {
    LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
    Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    Logger service = context.getLogger("dev.rtvoice");
    ch.qos.logback.classic.Level previous = service.getLevel();
    service.setLevel(ch.qos.logback.classic.Level.DEBUG);
    Capture capture = new Capture();
    capture.setContext(context);
    capture.start();
    root.addAppender(capture);
    Set<String> secrets = new HashSet<>();
    List<Http.Response> responses;
    String topic;
    String ledger;
    try (TokenServiceHarness h = TokenServiceHarness.start(kafka, Map.of(
        "UPSTREAM_BREAKER_FAILURES", "3", "UPSTREAM_BREAKER_RESET", "1s", "UPSTREAM_MAX_ATTEMPTS", "2"))) {
      topic = h.tokenTopic();
      ledger = h.rotationTopic();
      JsonObject a = h.issue("sam", "s1", new JsonObject().put("voice", "sage")).json();
      secrets.add(a.getString("value"));
      JsonObject b = h.rotate("sam", "s1", a.getString("session_id"), a.getString("rotation_token")).json();
      secrets.add(b.getString("value"));
      h.fault(500, 1, 0, 0);
      secrets.add(h.issue("sam", "s2", null).json().getString("value"));
      h.fault(429, 1, 1, 0);
      secrets.add(h.issue("tess", "t1", null).json().getString("value"));
      h.fault(401, 1, 0, 0);
      h.issue("tess", "t1", null);
      h.fault(0, 1, 0, 1_000);
      secrets.add(h.issue("uma", "u1", null).json().getString("value"));
      h.rotate("uma", "other-device", a.getString("session_id"), a.getString("rotation_token"));
      h.post("/v1/sessions", "{}", "Authorization", "Bearer forged.token.here", "X-Device-ID", "x");
      h.fault(500, 10, 0, 0);
      h.rotate("sam", "s1", b.getString("session_id"), b.getString("rotation_token"));
      h.issue("sam", "s1", null);
      h.issue("sam", "s1", null);
      h.resetSim();
      h.get("/metrics");
      h.get("/health/ready");
      responses = h.responses();
    } finally {
      root.detachAppender(capture);
      service.setLevel(previous);
    }
    secrets.remove(null);
    assertThat(secrets).hasSize(5).allSatisfy(s -> assertThat(s).startsWith("ek_"));

    // 4 issued, 1 rotated, 1 upstream_rejected, 2 denied, 1 rotation_failed
    List<ConsumerRecord<String, byte[]>> records = kafka.readRecords(topic, 9, Duration.ofSeconds(15));
    assertThat(records).hasSize(9);
    // the rotation ledger holds the rotation's answer, sealed: neither its secret nor its rotation token shows
    List<ConsumerRecord<String, byte[]>> ledgerRecords = kafka.readRecords(ledger, 1, Duration.ofSeconds(15));
    assertThat(ledgerRecords).hasSize(1);
    assertThat(new String(ledgerRecords.get(0).value(), StandardCharsets.UTF_8)).contains("\"answer\"")
        .doesNotContain("rt1.");
    List<String> kafkaText = java.util.stream.Stream.concat(records.stream(), ledgerRecords.stream())
        .map(r -> r.key() + " " + new String(r.value(), StandardCharsets.UTF_8))
        .toList();
    List<String> logs = new ArrayList<>(capture.lines);
    assertThat(logs).isNotEmpty();
    assertThat(logs).anyMatch(l -> l.contains("failed")).anyMatch(l -> l.contains("generation"));

    String key = TokenServiceHarness.API_KEY;
    assertThat(logs).noneMatch(l -> l.contains(key));
    assertThat(kafkaText).noneMatch(l -> l.contains(key));
    assertThat(responses).noneMatch(r -> r.body().contains(key) || r.headers().toString().contains(key));
    for (String secret : secrets) {
      assertThat(logs).noneMatch(l -> l.contains(secret));
      assertThat(kafkaText).noneMatch(l -> l.contains(secret));
      // the metrics page is a response too, and public
      assertThat(responses).filteredOn(r -> r.body().contains("# HELP")).noneMatch(r -> r.body().contains(secret));
      // only the session's own issue/rotate response carries it
      assertThat(responses).filteredOn(r -> r.body().contains(secret)).hasSize(1);
    }
  }
}
