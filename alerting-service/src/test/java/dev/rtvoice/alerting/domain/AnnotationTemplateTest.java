package dev.rtvoice.alerting.domain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rtvoice.alerting.domain.rule.AnnotationTemplate;
import org.junit.jupiter.api.Test;

class AnnotationTemplateTest {
  private static final AnnotationTemplate.Context CONTEXT =
      new AnnotationTemplate.Context(1734.56, 0.05, 300, LabelSet.of("platform", "ios"));

  @Test
  void rendersMeasuredValuesWithTheirFormats() {
    assertThat(AnnotationTemplate.parse("p95 {{ $value | ms }} on {{ $labels.platform }} ({{ $samples }} samples)")
        .render(CONTEXT)).isEqualTo("p95 1735 ms on ios (300 samples)");
    assertThat(AnnotationTemplate.parse("{{$threshold|percent}} / {{ $value }} / {{ $labels.missing }}.")
        .render(CONTEXT)).isEqualTo("5% / 1735 / .");
    assertThat(AnnotationTemplate.parse("{{ $value | percent }}")
        .render(new AnnotationTemplate.Context(31.0 / 600, 0, 0, LabelSet.EMPTY))).isEqualTo("5.17%");
    assertThat(AnnotationTemplate.parse("{{ $value | ms }}")
        .render(new AnnotationTemplate.Context(2.345, 0, 0, LabelSet.EMPTY))).isEqualTo("2.345 ms");
    assertThat(AnnotationTemplate.parse("no placeholders").render(CONTEXT)).isEqualTo("no placeholders");
  }

  @Test
  void typosAreCaughtWhenTheRulesLoad() {
    assertThatThrownBy(() -> AnnotationTemplate.parse("{{ $vale }}")).hasMessageContaining("unknown placeholder");
    assertThatThrownBy(() -> AnnotationTemplate.parse("{{ $value | seconds }}")).hasMessageContaining("unknown format");
    assertThatThrownBy(() -> AnnotationTemplate.parse("{{ $labels.x | ms }}")).hasMessageContaining("takes no format");
    assertThatThrownBy(() -> AnnotationTemplate.parse("{{ $value ")).hasMessageContaining("unclosed");
  }
}
