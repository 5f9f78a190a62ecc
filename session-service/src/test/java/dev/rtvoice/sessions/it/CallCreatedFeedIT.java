package dev.rtvoice.sessions.it;

import static dev.rtvoice.sessions.it.CallTesting.WAIT;
import static dev.rtvoice.sessions.it.CallTesting.awaitHungUp;
import static dev.rtvoice.sessions.it.CallTesting.callId;
import static dev.rtvoice.sessions.it.CallTesting.client;
import static dev.rtvoice.sessions.it.CallTesting.send;
import static org.assertj.core.api.Assertions.assertThat;

import dev.rtvoice.common.event.EventCodec;
import dev.rtvoice.common.event.EventEnvelope;
import dev.rtvoice.common.event.EventType;
import dev.rtvoice.common.event.payload.TokenCallCreatedPayload;
import dev.rtvoice.common.event.payload.TokenEventCodecs;
import dev.rtvoice.common.testing.Eventually;
import dev.rtvoice.common.testing.Http;
import dev.rtvoice.common.testing.KafkaBrokerExtension;
import dev.rtvoice.common.testing.TestKafka;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Calls token-service creates for a session ({@code token.call_created} on the real broker, written
 * here as token-service writes it) reach the session's owner through the call feed, whether or not
 * the client ever reports them: a never-reported call of a new session is watched (sideband) and hung
 * up as abandoned after {@code LIVENESS_GRACE}; a created call counts in the concurrency budget; one
 * created while the session holds another live call and never reported is hung up {@code unclaimed},
 * the session going on with its call; a call reported by the client first is left alone; a created
 * call the client then connects with plays on; an event older than upstream's call cap is not forwarded.
 */
@ExtendWith(KafkaBrokerExtension.class)
class CallCreatedFeedIT {

  @Test
  void everyCreatedCallIsWatchedCountedAndEndedWithoutTheClient(TestKafka kafka) throws Exception {
    ScheduledExecutorService beats = Executors.newSingleThreadScheduledExecutor();
    try (UpstreamSim sim = new UpstreamSim(Map.of());
         Harness.Service service = new Harness.Service(Harness.env(kafka, Map.of(
             "OPENAI_API_KEY", UpstreamSim.KEY, "UPSTREAM_BASE_URL", sim.base,
             "SIDEBAND_BACKOFF_MIN", "50ms", "SIDEBAND_BACKOFF_MAX", "500ms",
             "LIVENESS_GRACE", "3s", "BUDGET_USER_MAX_CONCURRENT_CALLS", "1")))) {
      String tokenEvents = kafka.topicPrefix() + "realtime.token.events";
      String events = kafka.topicPrefix() + "realtime.session.events";

      // (a) a new session's call the client never reports: watched at once, abandoned after the grace
      Harness.Client silent = client(service, "user-silent", null);
      String silentCall = callId();
      sim.peer(silentCall);  // the call exists upstream (token-service created it there); a peer holds it open
      callCreated(kafka, tokenEvents, silent.sessionId, "user-silent", silentCall, Instant.now());
      JsonObject seen = silent.await("started by the created call", s -> silentCall.equals(s.getString("call_id")));
      assertThat(seen.getString("phase")).isEqualTo("IDLE");
      Eventually.await("the sideband watches the call", () -> sim.connections(silentCall) == 2, WAIT);

      // (b) the concurrency budget counts created calls: a user with a live reported call creates
      // another session's call, never reported; that session ends budget_exceeded, its call hung up
      Harness.Client busy = client(service, "user-busy", null);
      String busyCall = callId();
      send(busy, "client.connected", "call_id", busyCall);
      busy.await("live in the view", s -> busyCall.equals(s.getString("call_id")));
      beats.scheduleAtFixedRate(() -> CallTesting.heartbeat(busy), 500, 500, TimeUnit.MILLISECONDS);
      Harness.Client sneaky = client(service, "user-busy", null);
      String sneakyCall = callId();
      sim.peer(sneakyCall);
      callCreated(kafka, tokenEvents, sneaky.sessionId, "user-busy", sneakyCall, Instant.now());
      assertThat(sneaky.awaitPhase("ENDED").getString("end_reason")).isEqualTo("budget_exceeded");
      awaitHungUp(sim, sneakyCall);

      // (c) a call created while the session holds another, never reported: hung up unclaimed, the
      // session goes on with its call (a client that creates calls on the side cannot keep them)
      Harness.Client talker = client(service, "user-talker", null);
      String talkerCall = callId();
      send(talker, "client.connected", "call_id", talkerCall);
      talker.await("live in the view", s -> talkerCall.equals(s.getString("call_id")));
      beats.scheduleAtFixedRate(() -> CallTesting.heartbeat(talker), 500, 500, TimeUnit.MILLISECONDS);
      String sideCall = callId();
      sim.peer(sideCall);
      callCreated(kafka, tokenEvents, talker.sessionId, "user-talker", sideCall, Instant.now());

      // (d) reported by the client before the feed delivered it: nothing changes, nothing hung up
      Harness.Client quick = client(service, "user-quick", null);
      String quickCall = callId();
      send(quick, "client.connected", "call_id", quickCall);
      quick.await("live in the view", s -> quickCall.equals(s.getString("call_id")));
      beats.scheduleAtFixedRate(() -> CallTesting.heartbeat(quick), 500, 500, TimeUnit.MILLISECONDS);
      callCreated(kafka, tokenEvents, quick.sessionId, "user-quick", quickCall, Instant.now().minusMillis(200));

      // (f) server-side call creation as the client library does it: the call is created, then the
      // client connects with it and talks; the session it started takes the client's platform
      Harness.Client caller = client(service, "user-caller", null);
      String callerCall = callId();
      sim.peer(callerCall);
      callCreated(kafka, tokenEvents, caller.sessionId, "user-caller", callerCall, Instant.now());
      caller.await("started by the created call", s -> callerCall.equals(s.getString("call_id")));
      send(caller, "client.connected", "call_id", callerCall);
      beats.scheduleAtFixedRate(() -> CallTesting.heartbeat(caller), 500, 500, TimeUnit.MILLISECONDS);
      assertThat(caller.awaitPhase("LISTENING").getString("platform")).isEqualTo("web");

      // (e) older than upstream's cap: its call has ended; not forwarded, no session
      Harness.Client ancient = client(service, "user-ancient", null);
      callCreated(kafka, tokenEvents, ancient.sessionId, "user-ancient", callId(),
          Instant.now().minus(Duration.ofMinutes(61)));

      // (a) continued
      assertThat(silent.awaitPhase("ENDED").getString("end_reason")).isEqualTo("abandoned");
      awaitHungUp(sim, silentCall);
      List<EventEnvelope> silentEvents = Harness.eventsOf(kafka, events, silent.sessionId,
          l -> l.stream().anyMatch(e -> e.type() == EventType.SESSION_ENDED));
      assertThat(silentEvents).extracting(EventEnvelope::type).startsWith(EventType.SESSION_STARTED)
          .contains(EventType.SESSION_CALL_HUNG_UP, EventType.SESSION_ENDED);

      // (c) continued
      awaitHungUp(sim, sideCall);
      EventEnvelope hungUp = Harness.eventsOf(kafka, events, talker.sessionId,
              l -> l.stream().anyMatch(e -> e.type() == EventType.SESSION_CALL_HUNG_UP)).stream()
          .filter(e -> e.type() == EventType.SESSION_CALL_HUNG_UP).findFirst().orElseThrow();
      assertThat(hungUp.payloadView().getMap()).containsEntry("call_id", sideCall).containsEntry("reason", "unclaimed");
      JsonObject talking = talker.get().json();
      assertThat(talking.getString("phase")).isEqualTo("LISTENING");
      assertThat(talking.getString("call_id")).isEqualTo(talkerCall);
      assertThat(sim.call(talkerCall).getValue("ended")).isNull();

      // (d), (e) continued: by now the feed has passed both
      JsonObject quickState = quick.get().json();
      assertThat(quickState.getString("phase")).isEqualTo("LISTENING");
      assertThat(quickState.getString("call_id")).isEqualTo(quickCall);
      assertThat(sim.call(quickCall).getValue("ended")).isNull();
      assertThat(busy.get().json().getString("phase")).isEqualTo("LISTENING");
      assertThat(ancient.get().status()).isEqualTo(404);
      // (f) continued: past the grace, the call the client took over plays on
      JsonObject calling = caller.get().json();
      assertThat(calling.getString("phase")).isEqualTo("LISTENING");
      assertThat(calling.getString("call_id")).isEqualTo(callerCall);
      assertThat(sim.call(callerCall).getValue("ended")).isNull();

      String metrics = Http.get(service.base + "/metrics").body();
      assertThat(metrics).contains("session_call_feed_events_total{outcome=\"forwarded\",service=\"session-service\"} 5.0")
          .contains("session_call_feed_events_total{outcome=\"too_old\",service=\"session-service\"} 1.0")
          .contains("session_call_hangups_total{reason=\"unclaimed\",result=\"hung_up\",service=\"session-service\"} 1.0");
    } finally {
      beats.shutdownNow();
    }
  }

  /** {@code token.call_created} as token-service writes it (times: its clock at the call's creation). */
  private static void callCreated(TestKafka kafka, String topic, String sessionId, String user, String callId,
                                  Instant at) {
    JsonObject payload = TokenEventCodecs.encode(new TokenCallCreatedPayload(user, "device-1", callId, 120, true, null));
    EventEnvelope event = new EventEnvelope(UUID.randomUUID(), EventType.TOKEN_CALL_CREATED, 1, sessionId, at, at,
        "token-service", payload);
    kafka.produceRaw(topic, sessionId, EventCodec.encode(event).getBytes());
  }
}
