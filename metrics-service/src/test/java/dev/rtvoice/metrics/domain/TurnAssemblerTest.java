package dev.rtvoice.metrics.domain;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class TurnAssemblerTest {
  private static final long T0 = 1_767_000_000_000L;

  private static LatencySample sample(String session, long turn, Stage stage, double ms, long endMs) {
    return new LatencySample(stage, ms, endMs, session, turn, "web-chrome", "gpt-realtime");
  }

  @Test
  void aTurnIsHandedOutWhenItsFullTurnArrivesWithEveryStageAndItsEvents() {
    TurnAssembler a = new TurnAssembler(TurnAssembler.Limits.defaults());
    assertThat(a.sample(sample("s1", 3, Stage.CAPTURE, 100, T0 + 100), T0)).isNull();
    a.turnSeen("s1", 3, T0);
    a.event("s1", "interrupted", T0 + 900, Map.of("interrupt_id", "i1"), T0);
    assertThat(a.sample(sample("s1", 3, Stage.FIRST_AUDIO, 800, T0 + 800), T0)).isNull();
    AssembledTurn turn = a.sample(sample("s1", 3, Stage.FULL_TURN, 1_500, T0 + 1_500), T0);
    assertThat(turn).isNotNull();
    assertThat(turn.complete()).isTrue();
    assertThat(turn.traceId()).isEqualTo(TurnTraceIds.traceId("s1", 3)).hasSize(32);
    assertThat(turn.stages()).extracting(AssembledTurn.StageSpan::stage)
        .containsExactly(Stage.CAPTURE, Stage.FIRST_AUDIO, Stage.FULL_TURN);
    AssembledTurn.StageSpan capture = turn.stages().get(0);
    assertThat(capture.startEpochNanos()).as("ends at occurred_at, lasted value_ms").isEqualTo(T0 * 1_000_000L);
    assertThat(capture.endEpochNanos()).isEqualTo((T0 + 100) * 1_000_000L);
    assertThat(turn.events()).singleElement().satisfies(e -> assertThat(e.name()).isEqualTo("interrupted"));
    assertThat(turn.startEpochNanos()).isEqualTo(T0 * 1_000_000L);
    assertThat(turn.endEpochNanos()).isEqualTo((T0 + 1_500) * 1_000_000L);
    assertThat(turn.platform()).isEqualTo("web-chrome");
    assertThat(a.openTurns()).isZero();
    assertThat(a.bytes()).isZero();
    // a late copy of the exported turn makes no second trace
    assertThat(a.sample(sample("s1", 3, Stage.PLAYBACK, 50, T0 + 1_600), T0)).isNull();
    assertThat(a.openTurns()).isZero();
    assertThat(a.dropped(TurnAssembler.Drop.LATE)).isEqualTo(1);
  }

  @Test
  void aQuietTurnIsHandedOutIncompleteAfterTheTimeout() {
    TurnAssembler a = new TurnAssembler(new TurnAssembler.Limits(100, 1 << 20, 4, 1 << 14, 4, 10_000));
    a.sample(sample("s1", 1, Stage.UPLINK, 80, T0), T0);
    assertThat(a.expire(T0 + 9_999)).isEmpty();
    assertThat(a.expire(T0 + 10_000)).singleElement().satisfies(t -> {
      assertThat(t.complete()).isFalse();
      assertThat(t.stages()).hasSize(1);
    });
    assertThat(a.openTurns()).isZero();
  }

  @Test
  void aHostileSessionsManyTurnsEvictOnlyItsOwnOldest() {
    TurnAssembler a = new TurnAssembler(new TurnAssembler.Limits(100, 1 << 20, 4, 1 << 14, 4, 10_000));
    a.sample(sample("victim", 1, Stage.CAPTURE, 10, T0), T0);
    for (int turn = 0; turn < 1_000; turn++) {
      a.sample(sample("hostile", turn, Stage.CAPTURE, 10, T0), T0);
    }
    assertThat(a.openTurns()).isEqualTo(1 + 4);
    assertThat(a.dropped(TurnAssembler.Drop.SESSION_LIMIT)).isEqualTo(996);
    assertThat(a.sample(sample("victim", 1, Stage.FULL_TURN, 20, T0 + 20), T0)).isNotNull();
  }

  @Test
  void theTotalBoundsEvictTheOldestTurnOfAll() {
    TurnAssembler a = new TurnAssembler(new TurnAssembler.Limits(3, 1 << 20, 4, 1 << 14, 4, 10_000));
    for (int s = 0; s < 10; s++) {
      a.sample(sample("s" + s, 1, Stage.CAPTURE, 10, T0), T0);
    }
    assertThat(a.openTurns()).isEqualTo(3);
    assertThat(a.dropped(TurnAssembler.Drop.TOTAL_LIMIT)).isEqualTo(7);
    TurnAssembler bytes = new TurnAssembler(new TurnAssembler.Limits(1_000, 2_000, 4, 1 << 14, 4, 10_000));
    for (int s = 0; s < 100; s++) {
      bytes.sample(sample("s" + s, 1, Stage.CAPTURE, 10, T0), T0);
    }
    assertThat(bytes.bytes()).isLessThanOrEqualTo(2_000);
    assertThat(bytes.dropped(TurnAssembler.Drop.TOTAL_LIMIT)).isPositive();
  }

  @Test
  void eventsPerTurnAndDuplicateStagesAreBoundedAndEventsWithoutATurnDropped() {
    TurnAssembler a = new TurnAssembler(new TurnAssembler.Limits(100, 1 << 20, 4, 1 << 14, 2, 10_000));
    a.event("unknown", "interrupted", T0, Map.of(), T0);
    assertThat(a.dropped(TurnAssembler.Drop.NO_TURN)).isEqualTo(1);
    a.sample(sample("s1", 1, Stage.CAPTURE, 10, T0), T0);
    a.sample(sample("s1", 1, Stage.CAPTURE, 99, T0), T0);
    for (int i = 0; i < 5; i++) {
      a.event("s1", "reconnect", T0 + i, Map.of("class", "transport"), T0);
    }
    AssembledTurn turn = a.sample(sample("s1", 1, Stage.FULL_TURN, 20, T0 + 20), T0);
    assertThat(turn.stages()).hasSize(2);
    assertThat(turn.stages().get(0).valueMs()).as("the first copy of a stage").isEqualTo(10);
    assertThat(turn.events()).hasSize(2);
    assertThat(a.dropped(TurnAssembler.Drop.DUPLICATE_OR_FULL)).isEqualTo(1 + 3);
  }

  @Test
  void traceIdsDependOnSessionAndTurnOnly() {
    assertThat(TurnTraceIds.traceId("s1", 1)).isEqualTo(TurnTraceIds.traceId("s1", 1))
        .isNotEqualTo(TurnTraceIds.traceId("s1", 2)).isNotEqualTo(TurnTraceIds.traceId("s2", 1))
        .matches("[0-9a-f]{32}");
    assertThat(TurnTraceIds.rootSpanId("s1", 1)).matches("[0-9a-f]{16}");
    assertThat(TurnTraceIds.stageSpanId(TurnTraceIds.traceId("s1", 1), "capture"))
        .isNotEqualTo(TurnTraceIds.stageSpanId(TurnTraceIds.traceId("s1", 1), "uplink"));
  }
}
