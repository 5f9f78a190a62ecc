package dev.rtvoice.sessions.domain;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The machine's state is a function of the durable command sequence. The owner applies client and
 * sideband events, interrupts and recoveries in the command log's order, and when its wall clock says a
 * quiet session's deadline is due it writes a clock tick to that log too; its periodic checks that find
 * nothing due write nothing. Replaying the log must give the same state, field for field, however the
 * checks were interleaved.
 */
class ReplayTest {
  private static final MachineSettings SETTINGS =
      new MachineSettings(8_000, 1_500, 2_000, 6, 400, 30_000, 60_000, 120_000);

  private static final String[] RESPONSES = {"r0", "r1", "r2", "r3", "r4"};
  private static final String[] REASONS = {"ice_failed", "network_switch", "token_expired", "event_order_broken",
      "mic_lost"};

  /** A random but plausible client, sideband and API command stream for one session. */
  private static final class Generator {
    final Random random;
    long clock = Script.T0;
    long seq;
    final List<EventSummary> sent = new ArrayList<>();

    Generator(long seed) {
      random = new Random(seed);
    }

    Input next() {
      clock += switch (random.nextInt(40)) {
        case 0 -> 9_000;      // past a thinking or cancel deadline
        case 1 -> 70_000;     // past the idle timeout
        default -> random.nextInt(900);
      };
      long at = clock - (random.nextInt(8) == 0 ? random.nextInt(400) : 0); // late reports happen
      String rid = RESPONSES[random.nextInt(RESPONSES.length)];
      int pick = random.nextInt(100);
      if (pick < 6) {
        return new Input.InterruptRequest("int-" + random.nextInt(6), at, random.nextInt(3_000),
            random.nextBoolean() ? rid : null, random.nextBoolean() ? "i-" + rid : null, random.nextBoolean());
      }
      if (pick < 9) {
        return new Input.RecoveryRequest(REASONS[random.nextInt(REASONS.length)], at,
            Script.T0 + random.nextInt(400_000), clock);
      }
      if (pick < 22) {
        // the sideband's copy of an upstream event (dedupes against the client's by event id)
        return new Input.Observed(Script.summary(upstreamType(), 0, at, upstreamFields(rid)), Input.Source.SIDEBAND);
      }
      if (pick < 28 && !sent.isEmpty()) {
        // a client retry of something already sent, or a held event's gap being filled late
        EventSummary old = sent.get(random.nextInt(sent.size()));
        return new Input.Observed(old, Input.Source.CLIENT);
      }
      long s = ++seq;
      if (random.nextInt(12) == 0) {
        s = ++seq; // leave a gap: this one is held until the missing one comes (or the gap times out)
        sent.add(client(s - 1, at));
      }
      EventSummary e = client(s, at);
      sent.add(e);
      return new Input.Observed(e, Input.Source.CLIENT);
    }

    private EventSummary client(long s, long at) {
      if (random.nextInt(10) < 3) {
        String type = switch (random.nextInt(7)) {
          case 0 -> "client.connected";
          case 1 -> "client.reconnected";
          case 2 -> "client.playback_stopped";
          case 3 -> "client.ice_state";
          case 4 -> "client.network_changed";
          case 5 -> "client.cancel_failed";
          default -> random.nextInt(20) == 0 ? "client.ended" : "client.connected";
        };
        return Script.summary(type, s, at, switch (type) {
          case "client.connected" -> new Object[] {"call_id", "rtc_" + random.nextInt(3)};
          case "client.reconnected" -> new Object[] {"reason", "network_switch"};
          case "client.playback_stopped" -> new Object[] {"played_ms", random.nextInt(5_000)};
          case "client.ice_state" -> new Object[] {"ice_state", random.nextBoolean() ? "failed" : "connected"};
          case "client.network_changed" -> new Object[] {"network", "wifi"};
          default -> new Object[0];
        });
      }
      String rid = RESPONSES[random.nextInt(RESPONSES.length)];
      return Script.summary(upstreamType(), s, at, upstreamFields(rid));
    }

    private String upstreamType() {
      return switch (random.nextInt(16)) {
        case 0 -> "input_audio_buffer.speech_started";
        case 1, 2 -> "input_audio_buffer.speech_stopped";
        case 3, 4 -> "response.created";
        case 5 -> "response.output_item.added";
        case 6, 7 -> "response.output_audio.delta";
        case 8 -> "output_audio_buffer.started";
        case 9 -> "output_audio_buffer.stopped";
        case 10 -> "response.output_audio_transcript.done";
        case 11 -> "conversation.item.input_audio_transcription.completed";
        case 12, 13 -> "response.done";
        case 14 -> "error";
        default -> "output_audio_buffer.cleared";
      };
    }

    private Object[] upstreamFields(String rid) {
      Map<String, Object> f = new HashMap<>();
      f.put("response_id", rid);
      f.put("item_id", "i-" + rid);
      if (random.nextInt(3) == 0) {
        f.put("event_id", "event_" + random.nextInt(30));
      }
      f.put("status", new String[] {"completed", "cancelled", "failed", "incomplete"}[random.nextInt(4)]);
      f.put("transcript", "words ".repeat(1 + random.nextInt(30)));
      f.put("error_code", random.nextBoolean() ? "response_cancel_not_active" : "server_error");
      if (random.nextInt(4) == 0) {
        f.put("error_message", "Audio content of 10ms is already shorter than 480ms");
      }
      Object[] out = new Object[f.size() * 2];
      int i = 0;
      for (Map.Entry<String, Object> e : f.entrySet()) {
        out[i++] = e.getKey();
        out[i++] = e.getValue();
      }
      return out;
    }
  }

  private static SessionState fresh() {
    return SessionState.start("rts_replay", "user-1", "device-1", "web", Script.T0, SETTINGS.summaryMaxChars());
  }

  private static SessionState restored(SessionState s) {
    return SessionState.fromMap(new JsonObject(new JsonObject(s.toMap()).encode()).getMap(),
        SETTINGS.summaryMaxChars());
  }

  @Test
  void replayingTheDurableCommandsGivesTheSameStateAndEventsWhateverTheTicksBetween() {
    replay(SETTINGS);
  }

  @Test
  void theSameHoldsWithAFalseInterruptionPolicy() {
    int pending = replay(SETTINGS.withInterruptPolicy(400, 2, 1_500));
    assertThat(pending).as("inputs applied while PENDING_INTERRUPT").isGreaterThan(50);
  }

  /** Runs 300 random streams live and replayed; how many inputs found the session PENDING_INTERRUPT. */
  private static int replay(MachineSettings settings) {
    SessionMachine machine = new SessionMachine(settings);
    int pending = 0;
    int firedTicks = 0;
    int idleTicks = 0;
    for (long seed = 0; seed < 300; seed++) {
      Generator g = new Generator(seed);
      Random ticks = new Random(seed * 31 + 7);
      SessionState live = fresh();
      List<Input> log = new ArrayList<>();
      List<Decision> liveDecisions = new ArrayList<>();
      for (int step = 0; step < 160; step++) {
        if (ticks.nextInt(3) == 0) {
          // the owner's check: the session's clock runs on the wall clock from its last event
          long now = live.eventTimeMs() + ticks.nextInt(12_000);
          if (machine.nextDeadline(live) <= now) {
            Input tick = new Input.Tick(now);
            log.add(tick); // written to the command log, then applied in its order
            liveDecisions.add(machine.apply(live, tick));
            firedTicks++;
          } else {
            // nothing due: nothing is written; applying it anyway must change nothing at all
            Map<String, Object> before = live.toMap();
            Decision d = machine.apply(live, new Input.Tick(now));
            assertThat(d.changedState()).isFalse();
            assertThat(live.toMap()).as("seed %d step %d: a tick that fires nothing", seed, step).isEqualTo(before);
            idleTicks++;
          }
        }
        Input command = g.next();
        if (live.phase() == Phase.PENDING_INTERRUPT) {
          pending++;
        }
        log.add(command);
        liveDecisions.add(machine.apply(live, command));
        if (ticks.nextInt(25) == 0) {
          live = restored(live); // a restart or a partition move: the snapshot goes on
        }
      }

      SessionState replay = fresh();
      List<Decision> replayDecisions = new ArrayList<>();
      for (Input input : log) {
        replayDecisions.add(machine.apply(replay, input));
      }
      assertThat(replay.toMap()).as("seed %d", seed).isEqualTo(live.toMap());
      for (int i = 0; i < log.size(); i++) {
        Decision a = liveDecisions.get(i);
        Decision b = replayDecisions.get(i);
        assertThat(b.outcome()).as("seed %d input %d", seed, i).isEqualTo(a.outcome());
        assertThat(b.events()).as("seed %d input %d", seed, i).isEqualTo(a.events());
        assertThat(b.effects()).isEqualTo(a.effects());
        assertThat(b.samples()).isEqualTo(a.samples());
      }
    }
    // the runs did exercise both kinds of checks
    assertThat(firedTicks).isGreaterThan(100);
    assertThat(idleTicks).isGreaterThan(1_000);
    return pending;
  }

  @Test
  void aTickMovesTheClockOnlyToTheDeadlineItFires() {
    SessionMachine machine = new SessionMachine(SETTINGS);
    Script a = new Script(SETTINGS).thinking();
    Script b = new Script(SETTINGS).thinking();
    long deadline = a.state.thinkingDeadlineMs();
    long clock = a.state.eventTimeMs();
    // checks that find nothing due: the clock stays where the last event put it
    assertThat(machine.apply(a.state, new Input.Tick(deadline - 169)).changedState()).isFalse();
    assertThat(a.state.eventTimeMs()).isEqualTo(clock);
    assertThat(a.state.toMap()).isEqualTo(b.state.toMap());
    // twins whose checks ran at different moments past the deadline end equal, at the deadline
    machine.apply(a.state, new Input.Tick(deadline + 37));
    machine.apply(b.state, new Input.Tick(deadline + 169));
    assertThat(a.state.phase()).isEqualTo(Phase.RECOVERING);
    assertThat(a.state.eventTimeMs()).isEqualTo(deadline);
    assertThat(a.state.toMap()).isEqualTo(b.state.toMap());
    // and equal to a twin whose next event passed the same deadline
    Script c = new Script(SETTINGS).thinking();
    c.now = deadline + 500;
    c.send("input_audio_buffer.speech_started");
    a.now = deadline + 500;
    a.send("input_audio_buffer.speech_started");
    assertThat(a.state.toMap()).isEqualTo(c.state.toMap());
  }
}
