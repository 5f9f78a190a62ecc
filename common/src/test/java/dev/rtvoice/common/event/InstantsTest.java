package dev.rtvoice.common.event;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The envelope's instant reader gives exactly what {@link Instant#parse} gives, accepting and refusing. */
class InstantsTest {
  @Test
  void everyInstantAWriterProducesReadsBackTheSameOnTheFastPath() {
    SplittableRandom random = new SplittableRandom(7);
    long max = Instant.parse("9999-12-31T23:59:59Z").getEpochSecond();
    for (int i = 0; i < 200_000; i++) {
      // whole seconds, millis, micros and nanos: Instant.toString writes 0, 3, 6 or 9 fraction digits
      long nanos = switch (i % 4) {
        case 0 -> 0;
        case 1 -> random.nextInt(1_000) * 1_000_000L;
        case 2 -> random.nextInt(1_000_000) * 1_000L;
        default -> random.nextInt(1_000_000_000);
      };
      Instant instant = Instant.ofEpochSecond(random.nextLong(0, max), nanos);
      String text = instant.toString();
      assertThat(Instants.fast(text)).as(text).isEqualTo(instant).isEqualTo(Instant.parse(text));
      assertThat(Instants.format(instant)).isEqualTo(text);
    }
  }

  @Test
  void writesWhatInstantToStringWritesAtTheEdgesToo() {
    for (Instant instant : List.of(Instant.EPOCH, Instant.ofEpochSecond(-1), Instant.ofEpochSecond(-1, 1),
        Instant.parse("0000-01-01T00:00:00Z"), Instant.parse("0000-01-01T00:00:00Z").minusNanos(1),
        Instant.parse("9999-12-31T23:59:59.999999999Z"), Instant.parse("9999-12-31T23:59:59.999999999Z").plusNanos(1),
        Instant.MIN, Instant.MAX, Instant.ofEpochSecond(0, 100), Instant.ofEpochSecond(0, 1_000),
        Instant.ofEpochSecond(0, 1_000_000), Instant.ofEpochSecond(0, 10_000_000), Instant.ofEpochSecond(951_782_400))) {
      assertThat(Instants.format(instant)).isEqualTo(instant.toString());
    }
  }

  @Test
  void otherFormsAndInvalidTextsAreLeftToInstantParseWithTheSameResult() {
    List<String> texts = List.of("2026-01-31T12:00:00.1Z", "2026-01-31T12:00:00.12345678Z", "2024-02-29T00:00:00Z",
        "2023-02-29T00:00:00Z", "2026-13-01T00:00:00Z", "2026-00-10T00:00:00Z", "2026-04-31T00:00:00Z",
        "2026-01-31T24:00:00Z", "2026-01-31T23:60:00Z", "2026-01-31T23:59:60Z", "2026-01-31T12:00:00.Z",
        "2026-01-31T12:00:00.1234567890Z", "2026-01-31T12:00:00+01:00", "2026-01-31t12:00:00Z",
        "2026-01-31T12:00:00z", "+2026-01-31T12:00:00Z", "2026-1-31T12:00:00Z", "2026-01-31T12:0a:00Z",
        "0000-01-01T00:00:00Z", "1970-01-01T00:00:00Z", "1969-12-31T23:59:59.999999999Z", "2026-01-31T12:00:00",
        "２０２６-01-31T12:00:00Z", "2026-01-31T12:00:00.-12Z", "2026-01-31 12:00:00Z", "");
    for (String text : texts) {
      Instant expected;
      try {
        expected = Instant.parse(text);
      } catch (DateTimeParseException e) {
        assertThatThrownBy(() -> Instants.parse(text)).as(text).isInstanceOf(DateTimeParseException.class);
        continue;
      }
      assertThat(Instants.parse(text)).as(text).isEqualTo(expected);
    }
  }
}
