package dev.rtvoice.common.logging;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.classic.util.LogbackMDCAdapter;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;

/** The services' own logback.xml, loaded into a fresh context: what an operator's log shipper reads. */
class LogFormatTest {
  private final PrintStream originalOut = System.out;
  private final ByteArrayOutputStream captured = new ByteArrayOutputStream();

  @AfterEach
  void restore() {
    System.setOut(originalOut);
    System.clearProperty(LogFormatDefiner.VARIABLE);
    System.clearProperty("SERVICE_NAME");
  }

  @Test
  void jsonGivesOneObjectPerLineWithServiceLevelLoggerMessageAndSessionId() throws Exception {
    System.setProperty(LogFormatDefiner.VARIABLE, "json");
    System.setProperty("SERVICE_NAME", "session-service");
    Logger log = configured().getLogger("dev.rtvoice.sessions.owner.SessionOwnerVerticle");

    log.atWarn().addKeyValue("session_id", "sess_1").log("owner stalled for {} ms", 5000);
    log.error("write failed", new IllegalStateException("broker gone\nsecond line"));
    log.debug("below the level: not written");

    List<JsonNode> lines = jsonLines();
    assertThat(lines).hasSize(2);
    JsonNode warn = lines.get(0);
    assertThat(warn.path("level").asText()).isEqualTo("WARN");
    assertThat(warn.path("loggerName").asText()).isEqualTo("dev.rtvoice.sessions.owner.SessionOwnerVerticle");
    assertThat(warn.path("formattedMessage").asText()).isEqualTo("owner stalled for 5000 ms");
    assertThat(warn.path("context").path("properties").path("service").asText()).isEqualTo("session-service");
    assertThat(warn.path("kvpList").toString()).contains("\"session_id\"").contains("\"sess_1\"");
    assertThat(warn.has("arguments")).as("raw arguments are not repeated").isFalse();
    JsonNode error = lines.get(1);
    assertThat(error.path("throwable").path("message").asText()).isEqualTo("broker gone\nsecond line");
  }

  @Test
  void textIsTheDefaultAndCarriesKeyValues() throws Exception {
    Logger log = configured().getLogger("dev.rtvoice.tokens.api.ApiRouter");
    log.atInfo().addKeyValue("session_id", "sess_2").log("issued");
    String out = captured.toString(StandardCharsets.UTF_8);
    assertThat(out).contains("INFO").contains("issued").contains("session_id=sess_2");
    assertThat(out.trim()).doesNotStartWith("{");
  }

  @Test
  void anUnknownFormatFallsBackToTextWithAWarningNeverToSilence() {
    List<String> warnings = new ArrayList<>();
    assertThat(LogFormatDefiner.appenderFor("jsno", warnings::add)).isEqualTo("TEXT");
    assertThat(warnings).singleElement().asString().contains("LOG_FORMAT").contains("jsno");
    assertThat(LogFormatDefiner.appenderFor(" JSON ", warnings::add)).isEqualTo("JSON");
    assertThat(LogFormatDefiner.appenderFor(null, warnings::add)).isEqualTo("TEXT");
    assertThat(LogFormatDefiner.appenderFor("x".repeat(10_000), warnings::add)).isEqualTo("TEXT");
    assertThat(warnings.get(1)).hasSizeLessThan(120);
  }

  private LoggerContext configured() throws Exception {
    System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
    LoggerContext context = new LoggerContext();
    context.setMDCAdapter(new LogbackMDCAdapter()); // what logback's own initializer does
    JoranConfigurator configurator = new JoranConfigurator();
    configurator.setContext(context);
    configurator.doConfigure(LogFormatDefiner.class.getResource("/logback.xml"));
    return context;
  }

  private List<JsonNode> jsonLines() throws Exception {
    ObjectMapper mapper = new ObjectMapper();
    List<JsonNode> lines = new ArrayList<>();
    for (String line : captured.toString(StandardCharsets.UTF_8).split("\n")) {
      if (!line.isBlank()) {
        lines.add(mapper.readTree(line));
      }
    }
    return lines;
  }
}
