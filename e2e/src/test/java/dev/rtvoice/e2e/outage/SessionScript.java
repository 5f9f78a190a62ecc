package dev.rtvoice.e2e.outage;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;

/**
 * One voice session's requests to session-service, generated as it lives: a connect, then turns of
 * two steps, one a second. Every step ends the session in LISTENING or SPEAKING, never in a phase
 * with a deadline running on the session clock, so a step delayed by an outage changes nothing
 * but its timing. Every {@code interruptEvery}-th turn the user barges in: an interrupt (with its own
 * id, so a retry is idempotent) and the client's report of the cancelled response, one stale audio
 * delta included. Times are the wall clock when a step is made; the body is kept, so a twin session
 * can be sent exactly the same requests later.
 */
final class SessionScript {
  /** One request: {@code events} (a batch) or {@code interrupt}, with its body. */
  record Step(String endpoint, JsonObject body) {
    boolean interrupt() {
      return endpoint.equals("interrupt");
    }
  }

  private final int interruptEvery;
  private long seq;
  private int turn;
  private long lastTimeMs;

  SessionScript(int interruptEvery) {
    this.interruptEvery = interruptEvery;
  }

  List<Step> connect(long nowMs) {
    long t = time(nowMs);
    return List.of(events(platform(), event("client.connected", t)));
  }

  /** The user speaks, the model answers: the session ends the step SPEAKING. */
  List<Step> turnStart(long nowMs) {
    long t = time(nowMs);
    turn++;
    String rid = "resp_" + turn;
    String item = "item_" + turn;
    return List.of(events(null,
        event("input_audio_buffer.speech_started", t),
        event("input_audio_buffer.speech_stopped", t + 300),
        event("conversation.item.input_audio_transcription.completed", t + 320, "transcript", "user turn " + turn),
        event("response.created", t + 350, "response_id", rid),
        event("response.output_item.added", t + 360, "response_id", rid, "item_id", item),
        event("response.output_audio.delta", t + 600, "response_id", rid, "item_id", item)));
  }

  /** The answer ends, or is interrupted: the session ends the step(s) LISTENING. */
  List<Step> turnEnd(long nowMs) {
    long t = time(nowMs);
    String rid = "resp_" + turn;
    String item = "item_" + turn;
    if (interrupted()) {
      JsonObject interrupt = new JsonObject().put("interrupt_id", "int_" + turn).put("audio_end_ms", 240)
          .put("response_id", rid).put("item_id", item).put("occurred_at_ms", t);
      List<Step> steps = new ArrayList<>();
      steps.add(new Step("interrupt", interrupt));
      steps.add(events(null,
          event("response.output_audio.delta", t + 40, "response_id", rid, "item_id", item),
          event("response.done", t + 80, "response_id", rid, "status", "cancelled")));
      return steps;
    }
    return List.of(events(null,
        event("response.output_audio.done", t, "response_id", rid, "item_id", item),
        event("response.output_audio_transcript.done", t + 10, "response_id", rid, "item_id", item,
            "transcript", "assistant turn " + turn),
        event("response.done", t + 20, "response_id", rid, "status", "completed")));
  }

  /** Whether the current turn is (or was) one the user barges into. */
  boolean interrupted() {
    return turn % interruptEvery == 0;
  }

  int turns() {
    return turn;
  }

  long lastSeq() {
    return seq;
  }

  private static String platform() {
    return "web";
  }

  private long time(long nowMs) {
    // event time never goes back, even if the wall clock does
    lastTimeMs = Math.max(lastTimeMs + 1_000, nowMs);
    return lastTimeMs;
  }

  private JsonObject event(String type, long occurredAtMs, Object... fields) {
    JsonObject e = new JsonObject().put("type", type).put("seq", ++seq).put("occurred_at_ms", occurredAtMs);
    for (int i = 0; i < fields.length; i += 2) {
      e.put((String) fields[i], fields[i + 1]);
    }
    return e;
  }

  private static Step events(String platform, JsonObject... events) {
    JsonObject body = new JsonObject().put("events", new JsonArray(List.of((Object[]) events)));
    if (platform != null) {
      body.put("platform", platform);
    }
    return new Step("events", body);
  }
}
