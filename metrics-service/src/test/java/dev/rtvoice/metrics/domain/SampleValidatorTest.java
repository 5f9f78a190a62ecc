package dev.rtvoice.metrics.domain;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SampleValidatorTest {
  private static final long NOW = 1_800_000_000_000L;
  private final SampleValidator validator = new SampleValidator(30_000, 10_000);

  private static RawSample good() {
    return new RawSample(null, "first_audio", 900.5, 3L, NOW - 1000, "web-chrome", null);
  }

  private SampleValidator.Checked client(RawSample s) {
    return validator.check(7, s, SampleValidator.Source.CLIENT, "sess-1", NOW, NOW - 20_000);
  }

  private RejectReason reason(RawSample s) {
    SampleValidator.Checked checked = client(s);
    assertThat(checked.accepted()).as("rejected").isFalse();
    assertThat(checked.rejection().index()).isEqualTo(7);
    assertThat(checked.rejection().message()).isNotBlank();
    return checked.rejection().reason();
  }

  @Test
  void aGoodSampleTakesTheTokensSession() {
    SampleValidator.Checked checked = client(good());
    assertThat(checked.accepted()).isTrue();
    assertThat(checked.sample()).isEqualTo(
        new LatencySample(Stage.FIRST_AUDIO, 900.5, NOW - 1000, "sess-1", 3, "web-chrome", null));
    assertThat(client(new RawSample("sess-1", "capture", 0.0, 0L, NOW + 9_000, "ios", "gpt-realtime")).accepted())
        .isTrue();
    assertThat(client(new RawSample("sess-1", "full_turn", 120_000.0, 0L, NOW, "ios", null)).accepted()).isTrue();
  }

  @Test
  void everyRuleHasItsOwnReason() {
    assertThat(reason(new RawSample("", "capture", 1.0, 1L, NOW, "web", null))).isEqualTo(RejectReason.INVALID_SESSION_ID);
    assertThat(reason(new RawSample("sess-2", "capture", 1.0, 1L, NOW, "web", null))).isEqualTo(RejectReason.SESSION_MISMATCH);
    assertThat(reason(new RawSample(null, null, 1.0, 1L, NOW, "web", null))).isEqualTo(RejectReason.UNKNOWN_STAGE);
    assertThat(reason(new RawSample(null, "thinking", 1.0, 1L, NOW, "web", null))).isEqualTo(RejectReason.UNKNOWN_STAGE);
    assertThat(reason(new RawSample(null, "inference", 1.0, 1L, NOW, "web", null)))
        .as("inference is measured server-side").isEqualTo(RejectReason.UNKNOWN_STAGE);
    assertThat(reason(new RawSample(null, "capture", null, 1L, NOW, "web", null))).isEqualTo(RejectReason.INVALID_VALUE);
    assertThat(reason(new RawSample(null, "capture", Double.NaN, 1L, NOW, "web", null))).isEqualTo(RejectReason.INVALID_VALUE);
    assertThat(reason(new RawSample(null, "capture", Double.POSITIVE_INFINITY, 1L, NOW, "web", null)))
        .isEqualTo(RejectReason.INVALID_VALUE);
    assertThat(reason(new RawSample(null, "capture", -0.1, 1L, NOW, "web", null))).isEqualTo(RejectReason.OUT_OF_RANGE);
    assertThat(reason(new RawSample(null, "capture", 120_000.1, 1L, NOW, "web", null))).isEqualTo(RejectReason.OUT_OF_RANGE);
    assertThat(reason(new RawSample(null, "capture", 1.0, 1L, null, "web", null))).isEqualTo(RejectReason.INVALID_OCCURRED_AT);
    assertThat(reason(new RawSample(null, "capture", 1.0, 1L, NOW + 10_001, "web", null))).isEqualTo(RejectReason.IN_FUTURE);
    assertThat(reason(new RawSample(null, "capture", 1.0, 1L, NOW - 30_001, "web", null))).isEqualTo(RejectReason.TOO_LATE);
    assertThat(reason(new RawSample(null, "capture", 1.0, 1L, NOW - 20_001, "web", null)))
        .as("behind the watermark").isEqualTo(RejectReason.TOO_LATE);
    assertThat(reason(new RawSample(null, "capture", 1.0, null, NOW, "web", null))).isEqualTo(RejectReason.INVALID_TURN);
    assertThat(reason(new RawSample(null, "capture", 1.0, -1L, NOW, "web", null))).isEqualTo(RejectReason.INVALID_TURN);
    assertThat(reason(new RawSample(null, "capture", 1.0, 1L, NOW, null, null))).isEqualTo(RejectReason.INVALID_PLATFORM);
    assertThat(reason(new RawSample(null, "capture", 1.0, 1L, NOW, "web chrome", null))).isEqualTo(RejectReason.INVALID_PLATFORM);
    assertThat(reason(new RawSample(null, "capture", 1.0, 1L, NOW, "w".repeat(65), null))).isEqualTo(RejectReason.INVALID_PLATFORM);
    assertThat(reason(new RawSample(null, "capture", 1.0, 1L, NOW, "web", "gpt/4"))).isEqualTo(RejectReason.INVALID_MODEL);
  }

  @Test
  void pipelineSamplesMayBeInferenceAndLateOnlyAgainstTheWatermark() {
    RawSample inference = new RawSample("sess-9", "inference", 420.0, 2L, NOW - 3_600_000, "web", "gpt-realtime");
    SampleValidator.Checked checked =
        validator.check(0, inference, SampleValidator.Source.PIPELINE, null, NOW, NOW - 4_000_000);
    assertThat(checked.accepted()).as("an hour of consumer lag is not a reason to reject").isTrue();
    assertThat(checked.sample().sessionId()).isEqualTo("sess-9");
  }

  @Test
  void aHostileStageNameIsNotEchoedInFull() {
    SampleValidator.Checked checked = client(new RawSample(null, "x".repeat(500) + "\u0000", 1.0, 1L, NOW, "web", null));
    assertThat(checked.rejection().message().length()).isLessThan(150);
  }

  @Test
  void aClientSampleAnOutageMadeLateIsTakenWithinTheGraceAndNoOlderThanTheCredit() {
    OutageCredit outages = new OutageCredit(30_000, 60_000, 300_000);
    SampleValidator withOutages = new SampleValidator(30_000, 10_000, outages);
    outages.down(NOW - 130_000); // Kafka refused writes for two minutes, back 10 s ago
    outages.up(NOW - 10_000);
    // held by the client through the outage: 140 s old, behind the watermark, taken
    RawSample held = new RawSample(null, "capture", 1.0, 1L, NOW - 140_000, "web", null);
    assertThat(withOutages.check(0, held, SampleValidator.Source.CLIENT, "sess-1", NOW, NOW - 20_000).accepted())
        .isTrue();
    // already late when the refusals began: the client's own delay
    RawSample older = new RawSample(null, "capture", 1.0, 1L, NOW - 161_000, "web", null);
    assertThat(withOutages.check(0, older, SampleValidator.Source.CLIENT, "sess-1", NOW, NOW - 20_000)
        .rejection().reason()).isEqualTo(RejectReason.TOO_LATE);
    // the same held sample after the grace: refused as the client's lateness
    assertThat(withOutages.check(0, held, SampleValidator.Source.CLIENT, "sess-1", NOW + 51_000, NOW - 20_000)
        .rejection().reason()).isEqualTo(RejectReason.TOO_LATE);
  }
}
