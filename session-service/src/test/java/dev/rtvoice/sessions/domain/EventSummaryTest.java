package dev.rtvoice.sessions.domain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Bad input is refused with the field named, and only the contract's fields are kept. */
class EventSummaryTest {
  private static final long NOW = Script.T0;

  private static Map<String, Object> valid() {
    Map<String, Object> m = new HashMap<>();
    m.put("type", "response.done");
    m.put("seq", 4);
    m.put("occurred_at_ms", NOW - 5);
    m.put("response_id", "resp_1");
    m.put("status", "completed");
    return m;
  }

  @Test
  void keepsOnlyTheContractsFieldsNeverAudioOrSecrets() {
    Map<String, Object> m = valid();
    m.put("delta", "AAAAAAAA");
    m.put("client_secret", "ek_secret");
    m.put("response", Map.of("output", "lots"));
    EventSummary e = EventSummary.parse(m, "events[0].", true, NOW, 1_000);
    assertThat(e.toMap()).containsOnlyKeys("type", "seq", "occurred_at_ms", "response_id", "status");
  }

  @ParameterizedTest(name = "{0}={1} -> {2}")
  @CsvSource(delimiter = '|', value = {
      "type|nope.event|events[0].type: unknown event type 'nope.event'",
      "type||events[0].type: is required",
      "seq||events[0].seq: is required",
      "seq|0|events[0].seq: must be between 1 and 9007199254740992",
      "seq|x|events[0].seq: must be an integer",
      "occurred_at_ms|1700000000|events[0].occurred_at_ms: must be between 946684800000 and 4102444800000",
      "occurred_at_ms|1767229200000|events[0].occurred_at_ms: is 3600000 ms ahead of the server clock (at most 1000 ms allowed)",
      "response_id||events[0].response_id: is required",
      "response_id|has space|events[0].response_id: must be printable ASCII without spaces",
      "status|exploded|events[0].status: must be one of [cancelled, completed, failed, incomplete]",
  })
  void namesTheField(String field, String value, String message) {
    Map<String, Object> m = valid();
    if (value == null) {
      m.remove(field);
    } else if (value.matches("-?\\d+")) {
      m.put(field, Long.parseLong(value));
    } else {
      m.put(field, value);
    }
    assertThatThrownBy(() -> EventSummary.parse(m, "events[0].", true, NOW, 1_000))
        .isInstanceOf(InvalidSummaryException.class).hasMessage(message)
        .extracting(e -> ((InvalidSummaryException) e).field()).isEqualTo(message.substring(0, message.indexOf(':')));
  }

  @Test
  void clientOnlyTypesCannotComeFromTheSideband() {
    Map<String, Object> m = new HashMap<>(Map.of("type", "client.ended", "occurred_at_ms", NOW));
    assertThatThrownBy(() -> EventSummary.parse(m, "", false, NOW, 0)).hasMessageContaining("only come from the client");
  }

  @Test
  void transcriptsAreBounded() {
    Map<String, Object> m = new HashMap<>(Map.of("type", "conversation.item.input_audio_transcription.completed",
        "seq", 1, "occurred_at_ms", NOW, "transcript", "x".repeat(EventSummary.MAX_TRANSCRIPT_CHARS + 1)));
    assertThatThrownBy(() -> EventSummary.parse(m, "", true, NOW, 0)).hasMessageStartingWith("transcript:");
  }
}
