package dev.rtvoice.sessions.it;

import static dev.rtvoice.sessions.it.CallTesting.WAIT;
import static dev.rtvoice.sessions.it.CallTesting.awaitHungUp;
import static dev.rtvoice.sessions.it.CallTesting.callId;
import static dev.rtvoice.sessions.it.CallTesting.client;
import static dev.rtvoice.sessions.it.CallTesting.send;
import static org.assertj.core.api.Assertions.assertThat;

import dev.rtvoice.common.event.EventEnvelope;
import dev.rtvoice.common.event.EventType;
import dev.rtvoice.common.testing.Eventually;
import dev.rtvoice.common.testing.Http;
import dev.rtvoice.common.testing.KafkaBrokerExtension;
import dev.rtvoice.common.testing.TestKafka;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The upstream call's life against upstream-sim (calls capped at 5 s here) on the real broker: the
 * hand-over advised once the call is {@code ROLLOVER_AFTER} old and completed on the client's
 * {@code client.reconnected} (the old call hung up at the simulator), upstream's cap
 * ({@code session_expired} on the sideband: RECOVERING with the rollover advice at once), a silent
 * client ({@code LIVENESS_GRACE}: its call hung up, the session abandoned), the concurrency budgets
 * per user and per tenant and the duration budget (the newest session ends {@code budget_exceeded},
 * its call hung up), and call ids that are not call ids (400, nothing written). The slow clocks run
 * side by side so the whole takes about as long as the longest of them.
 */
@ExtendWith(KafkaBrokerExtension.class)
class CallLifecycleIT {

  @Test
  void handOverBudgetsAndLiveness(TestKafka kafka) throws Exception {
    ScheduledExecutorService beats = Executors.newSingleThreadScheduledExecutor();
    try (UpstreamSim sim = new UpstreamSim(Map.of("SIM_SESSION_MAX", "5s"));
         Harness.Service service = new Harness.Service(Harness.env(kafka, Map.of(
             "OPENAI_API_KEY", UpstreamSim.KEY, "UPSTREAM_BASE_URL", sim.base,
             "SIDEBAND_BACKOFF_MIN", "50ms", "SIDEBAND_BACKOFF_MAX", "500ms",
             "ROLLOVER_AFTER", "1500ms", "ROLLOVER_DEADLINE", "20s", "LIVENESS_GRACE", "3s",
             "BUDGET_USER_MAX_CALL_DURATION", "30s", "BUDGET_USER_MAX_CONCURRENT_CALLS", "1",
             "BUDGET_TENANT_MAX_CONCURRENT_CALLS", "1")))) {
      String events = kafka.topicPrefix() + "realtime.session.events";

      // the slow clocks first: upstream's cap (the client keeps talking) and a client gone silent
      Harness.Client expiring = client(service, "user-exp", null);
      String expiringCall = callId();
      send(expiring, "client.connected", "call_id", expiringCall);
      ScheduledFuture<?> expiringBeats = heartbeat(beats, expiring);
      Harness.Client silent = client(service, "user-silent", null);
      String silentCall = callId();
      send(silent, "client.connected", "call_id", silentCall);
      Eventually.await("both sidebands connected", () -> sim.connections(expiringCall) == 1
          && sim.connections(silentCall) == 1, WAIT);

      // (e) a call id that is not one: 400 naming it, the session as it was
      JsonObject before = silent.get().json();
      for (String bogus : List.of("../../admin/reset", "rtc_" + "x".repeat(200), "rtc_1?x=1", "rtc 1")) {
        Http.Response r = silent.post(silent.event("client.reconnected", "reason", "rollover", "call_id", bogus));
        assertThat(r.status()).as(bogus).isEqualTo(400);
        assertThat(r.body()).contains("invalid_request").contains("call_id");
        silent.seq--;  // never written: the next event keeps the sequence
      }
      JsonObject after = silent.get().json();
      assertThat(after.getString("call_id")).isEqualTo(silentCall);
      // nothing of the request reached the session: not even as a sign of life
      assertThat(after.getLong("client_heard_at_ms")).isEqualTo(before.getLong("client_heard_at_ms"));
      assertThat(after.getLong("last_ack_seq")).isEqualTo(before.getLong("last_ack_seq"));
      assertThat(after.getJsonObject("counters").getInteger("refused"))
          .isEqualTo(before.getJsonObject("counters").getInteger("refused"));

      // (d) concurrency, per user: the call that goes over the budget ends its session, its call hung up
      Harness.Client first = client(service, "user-busy", null);
      String firstCall = callId();
      send(first, "client.connected", "call_id", firstCall);
      first.await("live in the view", s -> firstCall.equals(s.getString("call_id")));
      Harness.Client second = client(service, "user-busy", null);
      String secondCall = callId();
      send(second, "client.connected", "call_id", secondCall);
      JsonObject ended = second.awaitPhase("ENDED");
      assertThat(ended.getString("end_reason")).isEqualTo("budget_exceeded");
      awaitHungUp(sim, secondCall);
      assertThat(first.get().json().getString("phase")).isEqualTo("LISTENING");
      assertThat(sim.call(firstCall).getValue("ended")).isNull();
      JsonObject over = payload(kafka, events, second.sessionId, EventType.SESSION_BUDGET_EXCEEDED);
      assertThat(over.getMap()).containsEntry("scope", "user").containsEntry("limit", "concurrency");
      assertThat(over.getLong("value")).isEqualTo(2L);
      assertThat(over.getLong("max")).isEqualTo(1L);
      assertThat(payload(kafka, events, second.sessionId, EventType.SESSION_CALL_HUNG_UP).getMap())
          .containsEntry("call_id", secondCall).containsEntry("reason", "budget_exceeded");

      // a session that claims an earlier start than the live one gets no precedence (a client's claim of
      // time, and the order in which sessions start their calls, cannot get past the budget)
      Harness.Client backdated = client(service, "user-busy", null);
      String backdatedCall = callId();
      synchronized (backdated) {
        backdated.now = System.currentTimeMillis() - 20_000;
        backdated.send("client.connected", "call_id", backdatedCall);
      }
      assertThat(backdated.awaitPhase("ENDED").getString("end_reason")).isEqualTo("budget_exceeded");
      awaitHungUp(sim, backdatedCall);
      assertThat(first.get().json().getString("phase")).isEqualTo("LISTENING");
      assertThat(sim.call(firstCall).getValue("ended")).isNull();

      // ... and per tenant (two users of one tenant)
      Harness.Client acme1 = client(service, "user-acme-1", "acme");
      String acmeCall1 = callId();
      send(acme1, "client.connected", "call_id", acmeCall1);
      acme1.await("live in the view", s -> acmeCall1.equals(s.getString("call_id")));
      Harness.Client acme2 = client(service, "user-acme-2", "acme");
      String acmeCall2 = callId();
      send(acme2, "client.connected", "call_id", acmeCall2);
      assertThat(acme2.awaitPhase("ENDED").getString("end_reason")).isEqualTo("budget_exceeded");
      awaitHungUp(sim, acmeCall2);
      assertThat(payload(kafka, events, acme2.sessionId, EventType.SESSION_BUDGET_EXCEEDED).getMap())
          .containsEntry("scope", "tenant").containsEntry("limit", "concurrency");
      assertThat(acme1.get().json().getString("phase")).isEqualTo("LISTENING");

      // the duration budget (30 s of event time): a session that began 29.7 s ago ends within a moment
      Harness.Client longOne = client(service, "user-long", null);
      String longCall = callId();
      synchronized (longOne) {
        longOne.now = System.currentTimeMillis() - 29_700;
        longOne.send("client.connected", "call_id", longCall);
      }
      assertThat(longOne.awaitPhase("ENDED").getString("end_reason")).isEqualTo("budget_exceeded");
      awaitHungUp(sim, longCall);
      assertThat(payload(kafka, events, longOne.sessionId, EventType.SESSION_BUDGET_EXCEEDED).getMap())
          .containsEntry("scope", "user").containsEntry("limit", "duration");

      // (a) the planned hand-over: advised once the call is ROLLOVER_AFTER old and the session quiet
      Harness.Client talker = client(service, "user-talker", null);
      String oldCall = callId();
      send(talker, "client.connected", "call_id", oldCall);
      ScheduledFuture<?> talkerBeats = heartbeat(beats, talker);
      JsonObject advised = talker.await("the rollover advice", s -> s.getValue("advice") instanceof JsonObject a
          && "rollover".equals(a.getString("action")));
      assertThat(advised.getJsonObject("advice").getString("reason")).isEqualTo("call_age");
      assertThat(advised.getJsonObject("advice").getString("class")).isEqualTo("rollover");
      Http.Response planned = talker.recover("rollover");
      assertThat(planned.status()).as(planned.body()).isEqualTo(200);
      assertThat(planned.json().getJsonObject("plan").getString("class")).isEqualTo("rollover");
      String newCall = callId();
      send(talker, "client.reconnected", "reason", "rollover", "call_id", newCall, "gap_ms", 40);
      awaitHungUp(sim, oldCall);
      Eventually.await("the sideband moved to the new call", () -> sim.connections(newCall) == 1, WAIT);
      JsonObject handedOver = talker.await("on the new call", s -> newCall.equals(s.getString("call_id")));
      assertThat(handedOver.getValue("advice")).isNull();
      assertThat(handedOver.getString("phase")).isEqualTo("LISTENING");
      List<EventEnvelope> rollovers = Harness.eventsOf(kafka, events, talker.sessionId,
          l -> l.stream().filter(e -> e.type() == EventType.SESSION_ROLLOVER).count() >= 2).stream()
          .filter(e -> e.type() == EventType.SESSION_ROLLOVER).toList();
      assertThat(rollovers.get(0).payloadView().getString("outcome")).isEqualTo("planned");
      assertThat(rollovers.get(0).payloadView().getString("reason")).isEqualTo("call_age");
      JsonObject completed = rollovers.get(1).payloadView();
      assertThat(completed.getString("outcome")).isEqualTo("completed");
      assertThat(completed.getString("old_call_id")).isEqualTo(oldCall);
      assertThat(completed.getString("new_call_id")).isEqualTo(newCall);
      assertThat(completed.getLong("gap_ms")).isEqualTo(40L);
      assertThat(payload(kafka, events, talker.sessionId, EventType.SESSION_CALL_HUNG_UP).getMap())
          .containsEntry("call_id", oldCall).containsEntry("reason", "rollover_old_call");
      talkerBeats.cancel(false);

      // (c) the silent client: LIVENESS_GRACE after its last request, its call hung up, ENDED abandoned
      assertThat(silent.awaitPhase("ENDED").getString("end_reason")).isEqualTo("abandoned");
      awaitHungUp(sim, silentCall);
      assertThat(payload(kafka, events, silent.sessionId, EventType.SESSION_CALL_HUNG_UP).getMap())
          .containsEntry("call_id", silentCall).containsEntry("reason", "abandoned");
      assertThat(payload(kafka, events, silent.sessionId, EventType.SESSION_ENDED).getMap())
          .containsEntry("reason", "abandoned");

      // (b) upstream's cap: session_expired on the sideband, RECOVERING with the rollover advice at once
      JsonObject expired = expiring.await("RECOVERING at the cap", s -> "RECOVERING".equals(s.getString("phase")));
      assertThat(expired.getJsonObject("advice").getMap()).containsEntry("action", "rollover")
          .containsEntry("reason", "session_expired").containsEntry("class", "rollover");
      assertThat(sim.call(expiringCall).getString("ended")).isEqualTo("session_expired");
      Http.Response plan = expiring.recover("session_expired");
      assertThat(plan.status()).as(plan.body()).isEqualTo(200);
      assertThat(plan.json().getJsonObject("plan").getString("class")).isEqualTo("rollover");
      assertThat(payload(kafka, events, expiring.sessionId, EventType.SESSION_ROLLOVER).getMap())
          .containsEntry("outcome", "planned").containsEntry("reason", "session_expired");
      expiringBeats.cancel(false);
      // the service never hung up what upstream had ended, and reconnected to no expired call
      assertThat(sim.connections(expiringCall)).isZero();

      String metrics = Http.get(service.base + "/metrics").body();
      assertThat(metrics).contains("session_call_hangups_total{reason=\"abandoned\",result=\"hung_up\"")
          .contains("session_call_hangups_total{reason=\"rollover_old_call\",result=\"hung_up\"")
          .doesNotContain(UpstreamSim.KEY);
    } finally {
      beats.shutdownNow();
    }
  }

  private static ScheduledFuture<?> heartbeat(ScheduledExecutorService beats, Harness.Client c) {
    return beats.scheduleAtFixedRate(() -> CallTesting.heartbeat(c), 500, 500, TimeUnit.MILLISECONDS);
  }

  /** The payload of the session's first event of {@code type}, once there is one. */
  private static JsonObject payload(TestKafka kafka, String topic, String sessionId, EventType type) {
    Predicate<EventEnvelope> ofType = e -> e.type() == type;
    Optional<EventEnvelope> found = Harness.eventsOf(kafka, topic, sessionId, l -> l.stream().anyMatch(ofType))
        .stream().filter(ofType).findFirst();
    return found.orElseThrow().payloadView();
  }
}
