package dev.rtvoice.sessions.it;

import dev.rtvoice.common.testing.Http;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * A deterministic conversation of one session, as the steps its client sends: connected, then turns
 * (speech stopped, transcript, response created, item, first audio, transcript, done), every third
 * turn interrupted instead (interrupt, then upstream's cancelled done). The same conversation played
 * twice gives the same final state, which the durability tests compare.
 */
public final class Conversation {
  /** One request: a single event, or an interrupt. */
  public record Step(boolean interrupt, JsonObject body) {}

  public final String sessionId;
  public final String token;
  public final List<Step> steps = new ArrayList<>();
  /** Requests answered ambiguously (no answer, or 5xx) and sent again: each may count one duplicate. */
  public int ambiguousRetries;
  public int next;

  public Conversation(String sessionId, int turns, long startMs, java.time.Instant secretExpiresAt) {
    this.sessionId = sessionId;
    this.token = Harness.token(sessionId, secretExpiresAt);
    long[] t = {startMs};
    long[] seq = {0};
    Supplier<Long> time = () -> t[0] += 10;
    event(seq, time, "client.connected");
    for (int turn = 1; turn <= turns; turn++) {
      String rid = "resp_" + turn;
      String item = "item_" + turn;
      event(seq, time, "input_audio_buffer.speech_stopped");
      event(seq, time, "conversation.item.input_audio_transcription.completed", "transcript",
          "user turn " + turn);
      event(seq, time, "response.created", "response_id", rid);
      event(seq, time, "response.output_item.added", "response_id", rid, "item_id", item);
      t[0] += 300 + 7 * turn;
      event(seq, time, "response.output_audio.delta", "response_id", rid, "item_id", item);
      if (turn % 3 == 0) {
        steps.add(new Step(true, new JsonObject().put("interrupt_id", "int_" + turn).put("audio_end_ms", 100 * turn)
            .put("occurred_at_ms", time.get())));
        event(seq, time, "response.done", "response_id", rid, "status", "cancelled");
      } else {
        event(seq, time, "response.output_audio_transcript.done", "response_id", rid, "transcript",
            "assistant turn " + turn);
        event(seq, time, "response.done", "response_id", rid, "status", "completed");
      }
    }
  }

  private void event(long[] seq, Supplier<Long> time, String type, Object... fields) {
    JsonObject e = new JsonObject().put("type", type).put("seq", ++seq[0]).put("occurred_at_ms", time.get());
    for (int i = 0; i < fields.length; i += 2) {
      e.put((String) fields[i], fields[i + 1]);
    }
    steps.add(new Step(false, e));
  }

  public boolean done() {
    return next >= steps.size();
  }

  public int eventCount() {
    return (int) steps.stream().filter(s -> !s.interrupt()).count();
  }

  /**
   * Sends the next step to {@code base}; true once it was accepted. A refused connection (the service
   * is down) is not ambiguous; no answer after sending, or a 5xx, is.
   */
  public boolean sendNext(String base) {
    Step step = steps.get(next);
    String path = "/v1/sessions/" + sessionId + (step.interrupt() ? "/interrupt" : "/events");
    String body = step.interrupt() ? step.body().encode()
        : new JsonObject().put("platform", "web").put("events", new JsonArray().add(step.body())).encode();
    Http.Response r;
    try {
      r = Http.post(base + path, body, "Authorization", "Bearer " + token);
    } catch (RuntimeException e) {
      if (!refused(e)) {
        ambiguousRetries++;
      }
      return false;
    }
    if (r.status() == 202 || r.status() == 200) {
      next++;
      return true;
    }
    if (r.status() >= 500) {
      ambiguousRetries++;
      return false;
    }
    throw new AssertionError(sessionId + " step " + next + " answered " + r.status() + " " + r.body());
  }

  private static boolean refused(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof java.net.ConnectException) {
        return true;
      }
    }
    return false;
  }
}
