package dev.rtvoice.metrics.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.Random;
import org.junit.jupiter.api.Test;

class IsoInstantsTest {
  @Test
  void readsWhatBrowsersSendAndAgreesWithInstantParse() {
    assertThat(IsoInstants.parseEpochMillis("2026-01-31T12:00:00.123Z"))
        .isEqualTo(Instant.parse("2026-01-31T12:00:00.123Z").toEpochMilli());
    Random random = new Random(5);
    for (int i = 0; i < 20_000; i++) {
      Instant t = Instant.ofEpochMilli(random.nextLong(0, 4_102_444_800_000L)); // 1970 .. 2100
      assertThat(IsoInstants.parseEpochMillis(t.toString())).as(t.toString()).isEqualTo(t.toEpochMilli());
    }
  }

  @Test
  void otherIsoFormsGoThroughTheFullParser() {
    assertThat(IsoInstants.parseEpochMillis("2026-01-31T12:00:00Z")).isEqualTo(Instant.parse("2026-01-31T12:00:00Z").toEpochMilli());
    assertThat(IsoInstants.parseEpochMillis("2026-01-31T12:00:00.5Z")).isEqualTo(Instant.parse("2026-01-31T12:00:00.500Z").toEpochMilli());
    assertThat(IsoInstants.parseEpochMillis("2026-01-31T12:00:00.123456789Z"))
        .isEqualTo(Instant.parse("2026-01-31T12:00:00.123Z").toEpochMilli());
    assertThat(IsoInstants.parseEpochMillis("2026-01-31T14:00:00.123+02:00"))
        .isEqualTo(Instant.parse("2026-01-31T12:00:00.123Z").toEpochMilli());
    assertThat(IsoInstants.parseEpochMillis("2024-02-29T00:00:00Z")).isEqualTo(Instant.parse("2024-02-29T00:00:00Z").toEpochMilli());
  }

  @Test
  void rejectsWhatIsNotAnInstant() {
    for (String bad : new String[] {"", "yesterday", "2026-01-31", "2026-01-31T12:00:00", "2026-02-30T00:00:00Z",
        "2025-02-29T00:00:00Z", "2026-13-01T00:00:00Z", "2026-01-31T24:00:00Z",
        "2026-01-31T12:00:00.1234567890Z", "2026-01-31T12:0a:00Z"}) {
      assertThatThrownBy(() -> IsoInstants.parseEpochMillis(bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
    }
  }
}
