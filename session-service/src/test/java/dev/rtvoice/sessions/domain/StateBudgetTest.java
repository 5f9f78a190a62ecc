package dev.rtvoice.sessions.domain;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rtvoice.common.event.EventCodec;
import dev.rtvoice.common.event.EventEnvelope;
import dev.rtvoice.common.event.EventType;
import dev.rtvoice.sessions.domain.Decision.Outcome;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * A session's snapshot stays within {@link StateBudget#SNAPSHOT_MAX_BYTES} whatever a client sends:
 * every field filled to its limit with the characters that cost the most as JSON, measured with the
 * codec the kafka adapter writes snapshots with.
 */
class StateBudgetTest {
  /** 6 bytes as JSON each: a control character the codec writes as a unicode escape. */
  private static final char COSTLY = '\u0001';

  /** An id of the most expensive kind the contract allows: 128 printable ASCII characters, all escaped. */
  private static String id(char tag) {
    StringBuilder b = new StringBuilder(EventSummary.MAX_ID_CHARS);
    b.append(tag);
    while (b.length() < EventSummary.MAX_ID_CHARS) {
      b.append(b.length() % 2 == 0 ? '"' : '\\');
    }
    return b.toString();
  }

  private static String costly(int chars, char tag) {
    return tag + String.valueOf(COSTLY).repeat(chars - 1);
  }

  /** Emoji: 2 characters, 4 bytes in a token's claims, 12 bytes in the snapshot (escaped surrogates). */
  private static String emoji(int count) {
    return "\ud83d\ude00".repeat(count);
  }

  private static int snapshotBytes(SessionState s) {
    return new JsonObject(s.toMap()).toBuffer().length();
  }

  /** The record the owner writes: the snapshot in the suite's envelope, through the strict codec. */
  private static int recordBytes(SessionState s) {
    EventEnvelope env = new EventEnvelope(UUID.randomUUID(), EventType.SESSION_STATE, 1, s.sessionId(),
        Instant.ofEpochMilli(Script.T0), Instant.ofEpochMilli(Script.T0), "session-service",
        new JsonObject(s.toMap()));
    return EventCodec.encode(env).length();
  }

  /** The worst session: the largest ids, identities, reasons, numbers, counters, rings, interrupt. */
  private static Script worstSession(MachineSettings settings) {
    // a session id of 200 printable characters, all escaped; user and device ids as long as a
    // 2,048-character rotation token can carry (about 1,500 bytes of claims), in the costliest characters
    String sessionId = ("\"\\").repeat(100);
    SessionState state = SessionState.start(sessionId, emoji(190), emoji(190), "web.platform-name_0123456789abcde",
        Script.T0, settings.summaryMaxChars());
    Script w = new Script(settings, state);
    // a call id is letters, digits, '_' and '-' only (never escaped): the longest one
    w.send("client.connected", "call_id", "c".repeat(EventSummary.MAX_ID_CHARS), "conversation_id", id('v'), "event_id", id('e'));
    for (int i = 0; i < 40; i++) {
      w.sideband("session.created", "event_id", id((char) ('A' + i)));
    }
    for (int turn = 0; turn < 20; turn++) {
      String rid = id((char) ('a' + turn));
      w.send("input_audio_buffer.speech_stopped", "event_id", id((char) ('0' + turn % 10)));
      w.send("conversation.item.input_audio_transcription.completed",
          "transcript", costly(EventSummary.MAX_TRANSCRIPT_CHARS, 'u'));
      w.send("response.created", "response_id", rid);
      w.send("response.output_item.added", "response_id", rid, "item_id", id('i'));
      w.send("response.output_audio.delta", "response_id", rid, "item_id", id('i'));
      w.send("response.output_audio_transcript.done", "response_id", rid,
          "transcript", costly(EventSummary.MAX_TRANSCRIPT_CHARS, 'a'));
      if (turn % 2 == 0) {
        w.send("response.done", "response_id", rid, "status", "completed");
      } else {
        w.now += 10;
        w.machine.apply(w.state,
            new Input.InterruptRequest(id((char) ('A' + turn)), w.now, Long.MAX_VALUE / 2, id('y'), id('z'), true));
        w.send("response.done", "response_id", rid, "status", "cancelled");
      }
    }
    // a last open interrupt with every id at its limit
    w.send("input_audio_buffer.speech_stopped");
    w.send("response.created", "response_id", id('R'));
    w.send("response.output_item.added", "response_id", id('R'), "item_id", id('I'));
    w.send("output_audio_buffer.started", "response_id", id('R'), "item_id", id('I'));
    w.now += 10;
    w.machine.apply(w.state, new Input.InterruptRequest(id('N'), w.now, Long.MAX_VALUE / 2, id('R'), id('I'), true));
    assertThat(w.state.phase()).isEqualTo(Phase.CANCELLING);
    return w;
  }

  /** What a client cannot reach in a test run but may in a long session: every number at its widest. */
  private static void widen(SessionState st) {
    for (int i = 0; i < st.counters.length; i++) {
      st.counters[i] = Integer.MIN_VALUE;
    }
    st.turn = Integer.MIN_VALUE;
    st.lastAckSeq = Long.MIN_VALUE;
    st.lastUserAudioSeq = Long.MIN_VALUE;
    st.speechStoppedAtMs = Long.MIN_VALUE;
    st.thinkingDeadlineMs = Long.MIN_VALUE;
    st.audioStartedAtMs = Long.MAX_VALUE; // written only when set
    st.audioStoppedAtMs = Long.MAX_VALUE;
    st.startedAtMs = Long.MIN_VALUE;
    st.lastActivityMs = Long.MIN_VALUE;
    st.endedAtMs = Long.MIN_VALUE;
    st.secretExpiresAtMs = Long.MIN_VALUE;
    st.playedMs = Long.MIN_VALUE;
    st.commandPartition = Integer.MIN_VALUE;
    st.commandOffset = Long.MIN_VALUE;
    st.version = Long.MIN_VALUE;
    st.lastInterruptId = id('L');
    st.lastAckEventId = id('K');
    st.recoveryCause = "r".repeat(64);
    st.orderBroken = "o".repeat(64);
    st.endReason = "e".repeat(64);
  }

  @Test
  void thePartsOfTheBudgetFitTheWhole() {
    assertThat(StateBudget.partsMaxBytes()).isLessThanOrEqualTo(StateBudget.SNAPSHOT_MAX_BYTES);
    assertThat(StateBudget.SNAPSHOT_MAX_BYTES).isLessThanOrEqualTo(EventCodec.MAX_BYTES / 2);
  }

  @Test
  void theLargestSessionAClientCanMakeStaysWithinTheBudget() {
    MachineSettings settings = new MachineSettings(8_000, 1_500, 2_000, 1_000, 100_000, 30_000, 1_800_000, 3_600_000);
    Script w = worstSession(settings);
    // then as many events past a gap as the budget holds, each as large as its budget share allows
    long seq = w.seq + 2;
    Random random = new Random(7);
    int held = 0;
    while (true) {
      int chars = 200 + random.nextInt(EventSummary.MAX_TRANSCRIPT_CHARS - 200);
      Decision d = w.machine.apply(w.state, new Input.Observed(Script.summary(
          "conversation.item.input_audio_transcription.completed", seq++, w.now, "event_id", id('h'),
          "transcript", costly(chars / 6, 'h')), Input.Source.CLIENT));
      if (d.outcome() != Outcome.HELD) {
        assertThat(d.outcome()).as(d.detail()).isEqualTo(Outcome.DROPPED);
        break;
      }
      held++;
      assertThat(snapshotBytes(w.state)).isLessThanOrEqualTo(StateBudget.SNAPSHOT_MAX_BYTES);
    }
    assertThat(held).isGreaterThan(3);

    SessionState st = w.state;
    st.orderBroken = "o".repeat(64);
    long base = st.lastAckSeq + 2;
    // the fullest held list the budget admits, of the costliest events a client may send
    List<EventSummary> fullest = new ArrayList<>();
    int bytes = 0;
    for (long i = 0; ; i++) {
      EventSummary e = Script.summary("error", base + 1_000 + i, w.now, "event_id", id('q'),
          "error_code", costly(EventSummary.MAX_ID_CHARS, 'c'),
          "error_message", costly(EventSummary.MAX_ERROR_MESSAGE_CHARS, 'm'));
      if (bytes + e.jsonBytes() > StateBudget.HELD_MAX_BYTES) {
        break;
      }
      fullest.add(e);
      bytes += e.jsonBytes();
    }
    st.held = fullest;
    st.heldBytes = bytes;
    widen(st);
    st.gapSinceMs = Long.MIN_VALUE;

    int snapshot = snapshotBytes(st);
    assertThat(JsonSize.ofValue(st.toMap())).as("JsonSize counts what the codec writes").isEqualTo(snapshot);
    assertThat(snapshot).as("a real worst case: most of the budget")
        .isGreaterThan(StateBudget.SNAPSHOT_MAX_BYTES * 2 / 3)
        .isLessThanOrEqualTo(StateBudget.SNAPSHOT_MAX_BYTES);
    assertThat(recordBytes(st)).isLessThan(EventCodec.MAX_BYTES);
    assertThat(st.summary().bytes()).isLessThanOrEqualTo(BoundedSummary.MAX_BYTES);

    // each part within its share
    Map<String, Object> fixed = new LinkedHashMap<>(st.toMap());
    fixed.put("held", List.of());
    fixed.put("summary", Map.of());
    assertThat(JsonSize.ofValue(fixed)).isLessThanOrEqualTo(StateBudget.FIXED_PART_MAX_BYTES);
    Map<?, ?> summary = (Map<?, ?>) st.toMap().get("summary");
    assertThat(JsonSize.ofValue(summary)).isLessThanOrEqualTo(BoundedSummary.MAX_BYTES
        + BoundedSummary.MAX_LINES * StateBudget.SUMMARY_LINE_OVERHEAD_BYTES);

    // and the snapshot still restores exactly
    SessionState back = SessionState.fromMap(new JsonObject(new JsonObject(st.toMap()).encode()).getMap(),
        settings.summaryMaxChars());
    assertThat(new JsonObject(back.toMap()).encode()).isEqualTo(new JsonObject(st.toMap()).encode());
    assertThat(back.heldBytes()).isEqualTo(bytes);
  }

  @Test
  void jsonSizeIsExactForEveryKindOfCharacter() {
    Random random = new Random(11);
    for (int n = 0; n < 2_000; n++) {
      StringBuilder b = new StringBuilder();
      int len = random.nextInt(40);
      for (int i = 0; i < len; i++) {
        b.append((char) switch (random.nextInt(5)) {
          case 0 -> random.nextInt(0x80);
          case 1 -> 0x80 + random.nextInt(0x780);
          case 2 -> 0xd800 + random.nextInt(0x800);
          default -> random.nextInt(0x10000);
        });
      }
      Map<String, Object> m = Map.of("k", b.toString(), "n", List.of(random.nextLong(), true, "x"));
      assertThat(JsonSize.ofValue(m)).as("%s", b).isEqualTo(new JsonObject(m).toBuffer().length());
    }
  }

  @Test
  void theFloodOfHeldTranscriptsDegradesOnlyThatSessionAsDocumented() {
    // seq 1, then 3..22 with maximal transcripts, again every second with a new gap
    Script flood = new Script().listening();
    Script quiet = new Script().listening();
    Script control = new Script().listening();
    String transcript = "w".repeat(EventSummary.MAX_TRANSCRIPT_CHARS);
    long seq = 1;
    int maxBytes = 0;
    boolean sawDrop = false;
    for (int round = 0; round < 5; round++) {
      long at = Script.T0 + 1_000L * (round + 1);
      seq += 1; // the gap
      for (int i = 0; i < 20; i++) {
        Decision d = flood.machine.apply(flood.state, new Input.Observed(Script.summary(
            "conversation.item.input_audio_transcription.completed", ++seq, at + i, "transcript", transcript),
            Input.Source.CLIENT));
        sawDrop |= d.outcome() == Outcome.DROPPED;
        assertThat(d.outcome()).isIn(Outcome.HELD, Outcome.DROPPED, Outcome.APPLIED);
        maxBytes = Math.max(maxBytes, snapshotBytes(flood.state));
        assertThat(flood.state.heldBytes()).isLessThanOrEqualTo(StateBudget.HELD_MAX_BYTES);
      }
      // the other session goes on with its turns in between, as its twin does alone
      for (Script s : List.of(quiet, control)) {
        s.send("input_audio_buffer.speech_stopped");
        s.send("response.created", "response_id", "r" + round);
        s.send("response.output_audio.delta", "response_id", "r" + round);
        s.send("response.done", "response_id", "r" + round, "status", "completed");
      }
    }
    assertThat(sawDrop).isTrue();
    assertThat(maxBytes).isLessThanOrEqualTo(StateBudget.SNAPSHOT_MAX_BYTES);
    assertThat(flood.state.phase()).isEqualTo(Phase.RECOVERING);
    assertThat(flood.state.orderBroken()).isEqualTo("held_overflow");
    assertThat(flood.state.counter(Counter.HELD_DROPPED)).isGreaterThan(0);
    assertThat(Advice.of(flood.state.phase(), flood.state.orderBroken(), flood.state.recoveryCause()))
        .isEqualTo(new Advice("event_order_broken", "session"));
    assertThat(quiet.state.toMap()).isEqualTo(control.state.toMap());
    assertThat(quiet.state.phase()).isEqualTo(Phase.LISTENING);

    // the advice taken: a session-class plan clears the flag, and the client reconnects
    flood.seq = flood.state.lastAckSeq();
    flood.now = Script.T0 + 10_000;
    flood.recover("event_order_broken", -1);
    assertThat(flood.state.orderBroken()).isNull();
    flood.send("client.reconnected", "reason", "event_order_broken");
    assertThat(flood.state.phase()).isEqualTo(Phase.LISTENING);
  }
}
