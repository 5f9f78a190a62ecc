package dev.rtvoice.e2e.outage;

import dev.rtvoice.e2e.harness.Suite;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * A voice session of the fault run: it sends its script one step a second, each step retried until
 * the service takes it, and keeps, in order, every step the service acknowledged (202 for events,
 * 200 or 202 for an interrupt): that is what its twin is sent afterwards, and what must have been
 * applied exactly once.
 */
final class LiveSession {
  final String name;
  final Issued issued;
  private final Suite suite;
  private final RetryingClient client;
  private final SessionScript script;
  private final List<SessionScript.Step> acknowledged = Collections.synchronizedList(new ArrayList<>());
  private final List<String> failures = Collections.synchronizedList(new ArrayList<>());
  private volatile long highestAcknowledgedSeq;

  LiveSession(String name, Issued issued, Suite suite, RetryingClient client, int interruptEvery) {
    this.name = name;
    this.issued = issued;
    this.suite = suite;
    this.client = client;
    this.script = new SessionScript(interruptEvery);
  }

  /** Sends the script, a step a second, until {@code running} turns false at the end of a turn. */
  void live(BooleanSupplier running, long startDelayMs) {
    RetryingClient.sleep(startDelayMs);
    long next = System.currentTimeMillis();
    sendAll(script.connect(next));
    while (running.getAsBoolean()) {
      next = pace(next);
      sendAll(script.turnStart(System.currentTimeMillis()));
      next = pace(next);
      sendAll(script.turnEnd(System.currentTimeMillis()));
    }
  }

  /** The acknowledged steps, in the order they were acknowledged. */
  List<SessionScript.Step> acknowledged() {
    synchronized (acknowledged) {
      return List.copyOf(acknowledged);
    }
  }

  List<String> failures() {
    synchronized (failures) {
      return List.copyOf(failures);
    }
  }

  long highestAcknowledgedSeq() {
    return highestAcknowledgedSeq;
  }


  /** Turns whose first step was acknowledged: each yields one inference sample (speech stopped to audio). */
  long turnsAcknowledged() {
    return acknowledged().stream().filter(step -> step.body().getJsonArray("events", new io.vertx.core.json.JsonArray())
        .stream().map(JsonObject.class::cast)
        .anyMatch(e -> "input_audio_buffer.speech_stopped".equals(e.getString("type")))).count();
  }

  int interruptsAcknowledged() {
    return (int) acknowledged().stream().filter(SessionScript.Step::interrupt).count();
  }

  /** Sends one step to a session (this one, or its twin) until it is taken or refused for good. */
  static RetryingClient.Outcome send(Suite suite, RetryingClient client, Issued to, SessionScript.Step step) {
    return client.post(suite.sessionUrl + "/v1/sessions/" + to.sessionId() + "/" + step.endpoint(),
        step.body().encode(), "Authorization", "Bearer " + to.rotationToken());
  }

  private void sendAll(List<SessionScript.Step> steps) {
    for (SessionScript.Step step : steps) {
      RetryingClient.Outcome o = send(suite, client, issued, step);
      if (taken(step, o)) {
        acknowledged.add(step);
        step.body().getJsonArray("events", new io.vertx.core.json.JsonArray()).stream()
            .map(JsonObject.class::cast).mapToLong(e -> e.getLong("seq"))
            .max().ifPresent(seq -> highestAcknowledgedSeq = Math.max(highestAcknowledgedSeq, seq));
      } else {
        failures.add(step.endpoint() + " answered " + o.status() + " after " + o.attempts() + " attempts: " + o.body());
      }
    }
  }

  static boolean taken(SessionScript.Step step, RetryingClient.Outcome o) {
    return step.interrupt() ? o.status() == 200 || o.status() == 202 : o.status() == 202;
  }

  private static long pace(long previous) {
    long next = previous + 1_000;
    long wait = next - System.currentTimeMillis();
    if (wait > 0) {
      RetryingClient.sleep(wait);
      return next;
    }
    return System.currentTimeMillis(); // late after retries: the next step goes now, then a second apart
  }
}
