package dev.rtvoice.metrics.domain;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rtvoice.common.metrics.LatencySketch;
import java.util.EnumMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class BudgetAnalyzerTest {
  private final BudgetAnalyzer analyzer = new BudgetAnalyzer(LatencyBudgets.defaults());
  private final Random random = new Random(11);

  /** 1,000 samples around {@code median}, log-normal with a modest spread. */
  private LatencySketch around(double median) {
    LatencySketch s = new LatencySketch();
    for (int i = 0; i < 1000; i++) {
      s.record(median * Math.exp(0.1 * random.nextGaussian()));
    }
    return s;
  }

  private BudgetReport report(double capture, double uplink, double inference, double downlink, double playback) {
    Map<Stage, LatencySketch> stages = new EnumMap<>(Stage.class);
    stages.put(Stage.CAPTURE, around(capture));
    stages.put(Stage.UPLINK, around(uplink));
    stages.put(Stage.INFERENCE, around(inference));
    stages.put(Stage.DOWNLINK, around(downlink));
    stages.put(Stage.PLAYBACK, around(playback));
    // first audio as the sum of the stage medians plus the end-of-speech detection
    stages.put(Stage.FIRST_AUDIO, around(capture + uplink + inference + downlink + playback + 200));
    stages.put(Stage.FULL_TURN, new LatencySketch());
    return analyzer.analyze(new ClusterLatencyView.View(0, 300_000, stages, 1));
  }

  @Test
  void withinBudgetThereIsNoBottleneck() {
    BudgetReport r = report(60, 60, 400, 50, 120);
    assertThat(r.stage(Stage.FIRST_AUDIO).verdict()).isEqualTo(BudgetReport.Verdict.WITHIN);
    assertThat(r.bottleneck()).isNull();
    assertThat(r.stages()).filteredOn(s -> s.stage() != Stage.FULL_TURN)
        .allMatch(s -> s.verdict() == BudgetReport.Verdict.WITHIN);
    assertThat(r.stage(Stage.FULL_TURN).verdict()).isEqualTo(BudgetReport.Verdict.NO_DATA);
    assertThat(r.stage(Stage.CAPTURE).count()).isEqualTo(1000);
    assertThat(r.stage(Stage.CAPTURE).p50()).isCloseTo(60, org.assertj.core.data.Percentage.withPercentage(3));
    assertThat(r.stage(Stage.CAPTURE).p99()).isGreaterThan(r.stage(Stage.CAPTURE).p95());
  }

  @Test
  void namesTheRightBottleneckOfAFirstAudioOverrun() {
    assertThat(report(600, 60, 400, 50, 120).bottleneck()).isEqualTo("capture");
    // uplink and downlink each a little over: together transport is the worst
    assertThat(report(60, 200, 650, 180, 200).bottleneck()).isEqualTo("transport");
    assertThat(report(60, 60, 1400, 50, 120).bottleneck()).isEqualTo("inference");
    assertThat(report(60, 60, 400, 50, 900).bottleneck()).isEqualTo("playback");

    BudgetReport slowModel = report(60, 60, 1400, 50, 120);
    assertThat(slowModel.stage(Stage.FIRST_AUDIO).verdict()).isEqualTo(BudgetReport.Verdict.OVER);
    assertThat(slowModel.stage(Stage.INFERENCE).verdict()).isEqualTo(BudgetReport.Verdict.OVER);
    assertThat(slowModel.stage(Stage.UPLINK).verdict()).isEqualTo(BudgetReport.Verdict.WITHIN);
    assertThat(slowModel.groups()).extracting(BudgetReport.GroupReport::group)
        .containsExactly("capture", "transport", "inference", "playback");
    BudgetReport.GroupReport inference = slowModel.groups().get(2);
    assertThat(inference.overMs()).isCloseTo(inference.valueMs() - 700, org.assertj.core.data.Offset.offset(0.001));
  }

  @Test
  void aStageWithoutABudgetHasNoVerdict() {
    Map<Stage, LatencySketch> stages = new EnumMap<>(Stage.class);
    Stage.all().forEach(s -> stages.put(s, new LatencySketch()));
    stages.put(Stage.FULL_TURN, around(4000));
    BudgetReport r = analyzer.analyze(new ClusterLatencyView.View(0, 1, stages, 1));
    assertThat(r.stage(Stage.FULL_TURN).verdict()).isEqualTo(BudgetReport.Verdict.NO_BUDGET);
    assertThat(r.stage(Stage.FIRST_AUDIO).verdict()).isEqualTo(BudgetReport.Verdict.NO_DATA);
    assertThat(r.groups()).isEmpty();
    assertThat(r.bottleneck()).isNull();
  }
}
