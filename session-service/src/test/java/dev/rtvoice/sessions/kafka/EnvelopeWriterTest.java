package dev.rtvoice.sessions.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rtvoice.common.event.EventCodec;
import dev.rtvoice.common.event.EventEnvelope;
import dev.rtvoice.common.event.EventType;
import dev.rtvoice.common.event.InvalidEventException;
import dev.rtvoice.sessions.domain.EventSummary;
import dev.rtvoice.sessions.domain.InvalidSummaryException;
import dev.rtvoice.sessions.domain.SessionState;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The direct writer produces exactly the bytes the suite's codec writes for the same envelope. */
class EnvelopeWriterTest {
  private static final Instant NOW = Instant.parse("2026-12-01T09:00:00.123Z");

  private static EventSummary event(long seq, String type, Object... fields) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("type", type);
    m.put("seq", seq);
    m.put("occurred_at_ms", NOW.toEpochMilli() - 1000 + seq);
    for (int i = 0; i < fields.length; i += 2) {
      m.put((String) fields[i], fields[i + 1]);
    }
    return EventSummary.parse(m, "", true, NOW.toEpochMilli(), 60_000);
  }

  @Test
  void aRequestsCommandIsByteForByteWhatTheCodecWritesAndDecodesToTheSameInputs() {
    List<EventSummary> events = List.of(
        event(1, "client.connected", "call_id", "rtc_1"),
        event(2, "conversation.item.input_audio_transcription.completed", "transcript", "h\u00e9llo \"quoted\" \u2603"),
        event(3, "response.created", "response_id", "resp_1"),
        event(4, "response.done", "response_id", "resp_1", "status", "completed"));
    Buffer written = Commands.clientEvents("rts_w", events, new Commands.Caller("u1", "d1", 1_767_225_600_000L), "web",
        NOW);
    EventEnvelope decoded = EventCodec.decode(written);
    assertThat(EventCodec.encode(decoded).toString()).isEqualTo(written.toString());
    assertThat(decoded.type()).isEqualTo(EventType.SESSION_CLIENT_EVENTS);
    Commands.Command command = Commands.decode(decoded);
    assertThat(command.inputs()).hasSize(4);
    assertThat(command.platform()).isEqualTo("web");
    assertThat(command.secretExpiresAtMs()).isEqualTo(1_767_225_600_000L);
  }

  @Test
  void aSnapshotWithRepliesIsByteForByteWhatTheCodecWrites() {
    SessionState s = SessionState.start("rts_s", "u1", "d1", "web", NOW.toEpochMilli(), 2000);
    Map<String, Object> payload = new LinkedHashMap<>(s.toMap());
    payload.put("replies", new ArrayList<>(List.of(new JsonObject().put("command_id", "c1").put("outcome", "applied"))));
    UUID id = UUID.nameUUIDFromBytes("rts_s/v1".getBytes());
    Buffer direct = EnvelopeWriter.encode(id, EventType.SESSION_STATE, 1, "rts_s", NOW.minusSeconds(1), NOW,
        "session-service.owner", payload);
    Buffer viaCodec = EventCodec.encode(new EventEnvelope(id, EventType.SESSION_STATE, 1, "rts_s", NOW.minusSeconds(1),
        NOW, "session-service.owner", new JsonObject(new LinkedHashMap<>(payload))));
    assertThat(direct.toString()).isEqualTo(viaCodec.toString());
  }

  @Test
  void commandIdsAreVersion4UuidsAndDistinct() {
    java.util.Set<UUID> seen = new java.util.HashSet<>();
    for (int i = 0; i < 100_000; i++) {
      UUID id = Commands.newCommandId();
      assertThat(id.version()).isEqualTo(4);
      assertThat(id.variant()).isEqualTo(2);
      seen.add(id);
    }
    assertThat(seen).hasSize(100_000);
  }

  @Test
  void overTheRecordBoundIsRefusedAsTheCodecRefusesIt() {
    Map<String, Object> payload = Map.of("blob", "x".repeat(EventCodec.MAX_BYTES));
    assertThatThrownBy(() -> EnvelopeWriter.encode(UUID.randomUUID(), EventType.SESSION_STATE, 1, "rts_big", NOW, NOW,
        "test", payload)).isInstanceOf(InvalidEventException.class).hasMessageContaining("exceeds");
    assertThatThrownBy(() -> EnvelopeWriter.encode(UUID.randomUUID(), EventType.SESSION_STATE, 1, null, NOW, NOW,
        "test", Map.of())).isInstanceOf(InvalidEventException.class);
    List<EventSummary> many = new ArrayList<>();
    for (int i = 1; i <= 40; i++) {
      many.add(event(i, "conversation.item.input_audio_transcription.completed", "transcript", "y".repeat(4000)));
    }
    assertThatThrownBy(() -> Commands.clientEvents("rts_big", many, new Commands.Caller("u", "d", 0), null, NOW))
        .isInstanceOf(InvalidSummaryException.class).hasMessageContaining("send fewer events per request");
  }
}
