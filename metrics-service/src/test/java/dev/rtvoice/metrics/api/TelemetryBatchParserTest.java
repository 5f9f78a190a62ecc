package dev.rtvoice.metrics.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rtvoice.common.http.ApiException;
import dev.rtvoice.metrics.domain.RawSample;
import dev.rtvoice.metrics.domain.RejectReason;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class TelemetryBatchParserTest {
  private final TelemetryBatchParser parser = new TelemetryBatchParser(3);

  private TelemetryBatch parse(String json) {
    return parser.parse(json.replace('\'', '"').getBytes(StandardCharsets.UTF_8));
  }

  private static ApiException error(Runnable r) {
    try {
      r.run();
    } catch (ApiException e) {
      return e;
    }
    throw new AssertionError("no ApiException");
  }

  @Test
  void readsSamplesAsTheClientLibrarySendsThem() {
    TelemetryBatch batch = parse("{'session_id':'s1','samples':[{'stage':'first_audio','value_ms':912.3,'turn':4,"
        + "'occurred_at':'2026-01-31T12:00:00.123Z','platform':'web-chrome','extra':{'nested':[1,2]}},"
        + "{'stage':'capture','value_ms':40,'turn':4,'occurred_at':1800000000000,'platform':'ios','session_id':'s1',"
        + "'model':null}],'unknown':[1]}");
    assertThat(batch.sessionId()).isEqualTo("s1");
    assertThat(batch.size()).isEqualTo(2);
    assertThat(batch.samples()[0]).isEqualTo(new RawSample(null, "first_audio", 912.3, 4L,
        Instant.parse("2026-01-31T12:00:00.123Z").toEpochMilli(), "web-chrome", null));
    assertThat(batch.samples()[1]).isEqualTo(new RawSample("s1", "capture", 40.0, 4L, 1_800_000_000_000L, "ios", null));
    assertThat(batch.unreadable()).containsOnlyNulls();
  }

  @Test
  void aWronglyTypedFieldRejectsOnlyItsSample() {
    TelemetryBatch batch = parse("{'samples':[7,{'stage':3},{'value_ms':'12'},]}".replace(",]", "]"));
    assertThat(batch.samples()).containsOnlyNulls();
    assertThat(batch.unreadable()[0].reason()).isEqualTo(RejectReason.NOT_AN_OBJECT);
    assertThat(batch.unreadable()[1].reason()).isEqualTo(RejectReason.UNKNOWN_STAGE);
    assertThat(batch.unreadable()[2].reason()).isEqualTo(RejectReason.INVALID_VALUE);
    assertThat(batch.unreadable()[2].index()).isEqualTo(2);

    assertThat(parse("{'samples':[{'turn':1.5}]}").unreadable()[0].reason()).isEqualTo(RejectReason.INVALID_TURN);
    assertThat(parse("{'samples':[{'turn':99999999999999999999999}]}").unreadable()[0].reason())
        .isEqualTo(RejectReason.INVALID_TURN);
    assertThat(parse("{'samples':[{'occurred_at':'noon'}]}").unreadable()[0].reason())
        .isEqualTo(RejectReason.INVALID_OCCURRED_AT);
    assertThat(parse("{'samples':[{'occurred_at':true}]}").unreadable()[0].reason())
        .isEqualTo(RejectReason.INVALID_OCCURRED_AT);
    assertThat(parse("{'samples':[{'platform':['x']}]}").unreadable()[0].reason()).isEqualTo(RejectReason.INVALID_PLATFORM);
    assertThat(parse("{'samples':[{'session_id':{}}]}").unreadable()[0].reason()).isEqualTo(RejectReason.INVALID_SESSION_ID);
    assertThat(parse("{'samples':[{'model':1}]}").unreadable()[0].reason()).isEqualTo(RejectReason.INVALID_MODEL);
    assertThat(parse("{'samples':[{'value_ms':1e400}]}").samples()[0].valueMs()).isInfinite();
  }

  @Test
  void aBodyThatIsNotABatchIsA400NamingTheField() {
    assertThat(error(() -> parse("{'samples':[{}")).code()).isEqualTo("invalid_json");
    assertThat(error(() -> parse("[]")).code()).isEqualTo("invalid_json");
    assertThat(error(() -> parse("")).code()).isEqualTo("invalid_json");
    assertThat(error(() -> parse("{} {}")).code()).isEqualTo("invalid_json");
    assertThat(error(() -> parse("{'samples':[NaN]}")).code()).isEqualTo("invalid_json");
    ApiException missing = error(() -> parse("{'session_id':'s'}"));
    assertThat(missing.status()).isEqualTo(400);
    assertThat(missing.details().getString("field")).isEqualTo("samples");
    assertThat(error(() -> parse("{'samples':{}}")).details().getString("field")).isEqualTo("samples");
    assertThat(error(() -> parse("{'samples':[], 'session_id':5}")).details().getString("field")).isEqualTo("session_id");
    ApiException tooMany = error(() -> parse("{'samples':[{},{},{},{}]}"));
    assertThat(tooMany.getMessage()).contains("at most 3");
    assertThat(parse("{'samples':[]}").size()).isZero();
  }

  @Test
  void anOccurredAtNoClockCanProduceFailsTheBatchNamingTheField() {
    ApiException min = error(() -> parse("{'samples':[{'stage':'capture','occurred_at':" + Long.MIN_VALUE + "}]}"));
    assertThat(min.status()).isEqualTo(400);
    assertThat(min.details().getString("field")).isEqualTo("samples[0].occurred_at");
    assertThat(min.getMessage()).doesNotContain("ms old");
    for (String value : new String[] {"-1", String.valueOf(Long.MAX_VALUE), "99999999999999999999",
        "'+10000-01-01T00:00:00Z'", "'-000001-01-01T00:00:00Z'"}) {
      ApiException e = error(() -> parse("{'samples':[{'stage':'capture'},{'occurred_at':" + value + "}]}"));
      assertThat(e.status()).as(value).isEqualTo(400);
      assertThat(e.details().getString("field")).as(value).isEqualTo("samples[1].occurred_at");
    }
    assertThat(parse("{'samples':[{'occurred_at':253402300799999}]}").samples()[0].occurredAtMs())
        .isEqualTo(TelemetryBatchParser.MAX_EPOCH_MS);
  }

  @Test
  void theBatchIdIsABoundedPlainString() {
    assertThat(parse("{'batch_id':'b-1:7','samples':[]}").batchId()).isEqualTo("b-1:7");
    assertThat(parse("{'samples':[]}").batchId()).isNull();
    for (String bad : new String[] {"''", "7", "'a b'", "'" + "x".repeat(65) + "'", "{}"}) {
      ApiException e = error(() -> parse("{'batch_id':" + bad + ",'samples':[]}"));
      assertThat(e.status()).as(bad).isEqualTo(400);
      assertThat(e.details().getString("field")).as(bad).isEqualTo("batch_id");
    }
  }
}
