package dev.rtvoice.sessions.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rtvoice.common.event.EventEnvelope;
import dev.rtvoice.common.event.EventType;
import dev.rtvoice.common.testing.Http;
import dev.rtvoice.common.testing.KafkaBrokerExtension;
import dev.rtvoice.common.testing.TestKafka;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The HTTP API end to end on the real broker: what a client posts goes through
 * realtime.session.commands, the owner applies it, and the state, derived events and latency
 * samples land on their topics. One service for the class (sessions do not share ids).
 */
@ExtendWith(KafkaBrokerExtension.class)
class SessionApiIT {
  private static TestKafka kafka;
  private static Harness.Service service;
  private static String base;

  @BeforeAll
  static void start(TestKafka testKafka) throws Exception {
    kafka = testKafka;
    service = new Harness.Service(Harness.env(kafka, Map.of("SUMMARY_MAX_CHARS", "300", "EVENTS_MAX_BATCH", "20")));
    base = service.base;
  }

  @AfterAll
  static void stop() throws Exception {
    if (service != null) {
      service.close();
    }
  }

  private static String sid() {
    return "rts_" + UUID.randomUUID().toString().replace("-", "").substring(0, 20);
  }

  private static String topic(String name) {
    return kafka.topicPrefix() + name;
  }

  @Test
  void aTurnMovesThroughThePhasesAndEmitsItsEventsAndInferenceLatency() {
    Harness.Client c = new Harness.Client(base, sid());
    Http.Response first = c.post(c.event("client.connected"));
    assertThat(first.status()).isEqualTo(202);
    assertThat(first.json().getString("session_id")).isEqualTo(c.sessionId);
    assertThat(first.json().getInteger("accepted")).isEqualTo(1);
    c.awaitPhase("LISTENING");

    c.send("input_audio_buffer.speech_stopped");
    long stoppedAt = c.now;
    c.awaitPhase("THINKING");
    c.send("response.created", "response_id", "resp_1");
    c.send("response.output_item.added", "response_id", "resp_1", "item_id", "item_1");
    c.now += 480;
    c.send("response.output_audio.delta", "response_id", "resp_1", "item_id", "item_1");
    long firstAudioAt = c.now;
    c.awaitPhase("SPEAKING");
    c.send("response.output_audio_transcript.done", "response_id", "resp_1", "transcript", "Hello there");
    c.send("response.done", "response_id", "resp_1", "status", "completed");
    JsonObject state = c.awaitPhase("LISTENING");

    assertThat(state.getInteger("turn")).isEqualTo(1);
    assertThat(state.getString("response_id")).isNull();
    assertThat(state.getString("user_id")).isEqualTo("user-" + c.sessionId);
    assertThat(state.getString("platform")).isEqualTo("web");
    assertThat(state.getLong("last_ack_seq")).isEqualTo(7L);
    assertThat(state.getJsonObject("summary").getJsonArray("lines").getJsonObject(0).getString("text"))
        .isEqualTo("Hello there");
    assertThat(state.getValue("advice")).isNull();
    assertThat(state.containsKey("seen_upstream")).as("bookkeeping stays internal").isFalse();

    List<EventEnvelope> events = Harness.eventsOf(kafka, topic("realtime.session.events"), c.sessionId,
        l -> l.stream().filter(e -> e.type() == EventType.SESSION_PHASE_CHANGED).count() >= 4);
    assertThat(events.get(0).type()).isEqualTo(EventType.SESSION_STARTED);
    assertThat(events.get(0).payload().getString("user_id")).isEqualTo("user-" + c.sessionId);
    assertThat(events.stream().filter(e -> e.type() == EventType.SESSION_PHASE_CHANGED)
        .map(e -> e.payload().getString("from") + ">" + e.payload().getString("to") + ":"
            + e.payload().getString("cause")))
        .containsExactly("IDLE>LISTENING:client.connected", "LISTENING>THINKING:input_audio_buffer.speech_stopped",
            "THINKING>SPEAKING:response.output_audio.delta", "SPEAKING>LISTENING:response.done");

    List<EventEnvelope> samples = Harness.eventsOf(kafka, topic("realtime.latency.samples"), c.sessionId,
        l -> !l.isEmpty());
    assertThat(samples).hasSize(1);
    JsonObject sample = samples.get(0).payload();
    assertThat(samples.get(0).type()).isEqualTo(EventType.LATENCY_SAMPLE);
    assertThat(sample.getString("stage")).isEqualTo("inference");
    assertThat(sample.getLong("value_ms")).isEqualTo(firstAudioAt - stoppedAt);
    assertThat(sample.getInteger("turn")).isEqualTo(1);
    assertThat(sample.getString("platform")).isEqualTo("web");
    assertThat(samples.get(0).occurredAt()).isEqualTo(Instant.ofEpochMilli(firstAudioAt));
  }

  @Test
  void anInterruptCancelsTheResponseAndItsLateEventsAreStale() {
    Harness.Client c = new Harness.Client(base, sid());
    c.toSpeaking("resp_a", "item_a");
    c.now += 600; // the response's audio has streamed for 610 ms (event time) at the barge-in

    Http.Response r = c.interrupt(new JsonObject().put("interrupt_id", "int_1").put("audio_end_ms", 1234)
        .put("occurred_at_ms", c.now += 10));
    assertThat(r.status()).isEqualTo(200);
    JsonObject answer = r.json();
    assertThat(answer.getString("status")).isEqualTo("cancelling");
    assertThat(answer.getString("phase")).isEqualTo("CANCELLING");
    assertThat(answer.getString("response_id")).isEqualTo("resp_a");
    assertThat(answer.getBoolean("stop_playback")).isTrue();
    assertThat(answer.getBoolean("sideband_cancel")).isFalse();
    assertThat(answer.getJsonArray("client_events")).containsExactly(
        new JsonObject().put("type", "response.cancel").put("response_id", "resp_a"),
        new JsonObject().put("type", "output_audio_buffer.clear"),
        new JsonObject().put("type", "conversation.item.truncate").put("item_id", "item_a").put("content_index", 0)
            .put("audio_end_ms", 610L));
    // what the client said it played is kept, the truncate is clamped to the audio delivered
    assertThat(answer.getLong("audio_end_ms")).isEqualTo(1234L);
    assertThat(answer.getLong("truncate_audio_end_ms")).isEqualTo(610L);

    // the same interrupt again (a client retry) is recognized, not applied twice
    Http.Response again = c.interrupt(new JsonObject().put("interrupt_id", "int_1").put("audio_end_ms", 1234));
    assertThat(again.status()).isEqualTo(200);
    assertThat(again.json().getString("status")).isEqualTo("duplicate");

    // audio of the cancelled response still in flight: ignored, never back to SPEAKING
    c.send("response.output_audio.delta", "response_id", "resp_a", "item_id", "item_a");
    c.send("response.done", "response_id", "resp_a", "status", "cancelled");
    c.send("response.output_audio.done", "response_id", "resp_a", "item_id", "item_a");
    JsonObject state = c.await("stale events counted",
        s -> s.getJsonObject("counters").getInteger("stale_events") == 2);
    assertThat(state.getString("phase")).isEqualTo("LISTENING");
    assertThat(state.getJsonObject("counters").getInteger("interrupts")).isEqualTo(1);
    assertThat(state.getJsonObject("counters").getInteger("interrupts_recovered")).isEqualTo(1);

    List<EventEnvelope> events = Harness.eventsOf(kafka, topic("realtime.session.events"), c.sessionId,
        l -> l.stream().filter(e -> e.type() == EventType.SESSION_STALE_EVENT_IGNORED).count() >= 2);
    EventEnvelope interrupted = only(events, EventType.SESSION_INTERRUPTED);
    assertThat(interrupted.payload().getString("interrupt_id")).isEqualTo("int_1");
    assertThat(interrupted.payload().getString("response_id")).isEqualTo("resp_a");
    assertThat(interrupted.payload().getString("phase_before")).isEqualTo("SPEAKING");
    assertThat(interrupted.payload().getLong("audio_end_ms")).isEqualTo(1234L);
    assertThat(interrupted.payload().getLong("truncate_audio_end_ms")).isEqualTo(610L);
    EventEnvelope recovered = only(events, EventType.SESSION_INTERRUPT_RECOVERED);
    assertThat(recovered.payload().getString("interrupt_id")).isEqualTo("int_1");
    assertThat(recovered.payload().getLong("duration_ms")).isBetween(0L, 100L);
    assertThat(events.stream().filter(e -> e.type() == EventType.SESSION_STALE_EVENT_IGNORED)
        .map(e -> e.payload().getString("event_type") + "/" + e.payload().getString("reason")))
        .containsExactly("response.output_audio.delta/response_cancelled",
            "response.output_audio.done/response_cancelled");
    assertThat(events.stream().filter(e -> e.type() == EventType.SESSION_PHASE_CHANGED)
        .map(e -> e.payload().getString("to"))).containsExactly("LISTENING", "THINKING", "SPEAKING", "CANCELLING",
        "LISTENING");

    // nothing to interrupt while listening: 409 with the phase, nothing applied
    Http.Response refused = c.interrupt(new JsonObject().put("audio_end_ms", 0));
    assertThat(refused.status()).isEqualTo(409);
    assertThat(refused.error().getString("code")).isEqualTo("illegal_transition");
    assertThat(refused.body()).contains("LISTENING");
  }

  @Test
  void anUnacknowledgedInterruptFailsOnTheSessionsClockWhileTheClientIsQuiet() {
    Harness.Client c = new Harness.Client(base, sid());
    c.now = System.currentTimeMillis() - 200;
    c.toSpeaking("resp_q", "item_q");
    Http.Response r = c.interrupt(new JsonObject().put("interrupt_id", "int_q").put("audio_end_ms", 10)
        .put("occurred_at_ms", c.now += 10));
    assertThat(r.json().getString("status")).isEqualTo("cancelling");
    // no ack ever comes, no further event: the owner's deadline check moves the session's clock
    JsonObject state = c.awaitPhase("RECOVERING");
    assertThat(state.getString("recovery_cause")).isEqualTo("ack_timeout");
    assertThat(state.getJsonObject("advice")).isEqualTo(new JsonObject().put("action", "recover")
        .put("reason", "ack_timeout").put("class", "session"));
    List<EventEnvelope> events = Harness.eventsOf(kafka, topic("realtime.session.events"), c.sessionId,
        l -> l.stream().anyMatch(e -> e.type() == EventType.SESSION_INTERRUPT_RECOVERY_FAILED));
    EventEnvelope failed = only(events, EventType.SESSION_INTERRUPT_RECOVERY_FAILED);
    assertThat(failed.payload().getString("reason")).isEqualTo("ack_timeout");
    assertThat(failed.occurredAt().toEpochMilli()).as("the deadline in event time")
        .isEqualTo(c.now + 1500);
  }

  @Test
  void recoveryPlansFollowTheReasonsClass() {
    Harness.Client c = new Harness.Client(base, sid());
    c.send("client.connected");
    c.send("conversation.item.input_audio_transcription.completed", "transcript", "book a table");
    c.awaitPhase("LISTENING");
    c.await("summary", s -> s.getJsonObject("summary").getInteger("chars") > 0);

    for (String reason : List.of("ice_failed", "network_switch")) {
      JsonObject answer = recovered(c, reason);
      JsonObject plan = answer.getJsonObject("plan");
      assertThat(plan.getString("class")).isEqualTo("transport");
      assertThat(plan.getBoolean("keep_token")).isTrue();
      assertThat(plan.getBoolean("reissue_token")).isFalse();
      assertThat(plan.getBoolean("new_upstream_session")).isFalse();
      assertThat(plan.getBoolean("ice_restart")).isTrue();
      assertThat(plan.getBoolean("replay_summary")).isTrue();
      assertThat(plan.getBoolean("rotate_first")).as("the secret has 10 minutes left").isFalse();
      assertThat(plan.getLong("secret_expires_in_ms")).isBetween(500_000L, 600_000L);
      assertThat(answer.getJsonObject("summary").getString("text")).isEqualTo("user: book a table");
      assertThat(answer.getString("phase")).isEqualTo("RECOVERING");
      c.send("client.reconnected", "reason", reason);
      c.awaitPhase("LISTENING");
    }
    for (String reason : List.of("token_expired", "auth_failed", "event_order_broken")) {
      JsonObject plan = recovered(c, reason).getJsonObject("plan");
      assertThat(plan.getString("class")).isEqualTo("session");
      assertThat(plan.getBoolean("keep_token")).isFalse();
      assertThat(plan.getBoolean("reissue_token")).isTrue();
      assertThat(plan.getBoolean("new_upstream_session")).isTrue();
      assertThat(plan.getBoolean("replay_summary")).isTrue();
      assertThat(plan.getBoolean("ice_restart")).isFalse();
    }
    JsonObject other = recovered(c, "microphone_unplugged");
    assertThat(other.getJsonObject("plan").getString("class")).isEqualTo("session");
    assertThat(other.getJsonObject("plan").getBoolean("replay_summary")).isFalse();
    assertThat(other.getJsonObject("summary").getJsonArray("lines")).isEmpty();

    // a client secret about to die: rotate before renegotiating on it
    String dyingSid = sid();
    Harness.Client dying = new Harness.Client(base, dyingSid, Harness.token(dyingSid, Instant.now().plusSeconds(10)));
    dying.send("client.connected");
    JsonObject plan = recovered(dying, "ice_failed").getJsonObject("plan");
    assertThat(plan.getBoolean("rotate_first")).isTrue();
    assertThat(plan.getLong("secret_expires_in_ms")).isBetween(0L, 10_000L);

    List<EventEnvelope> events = Harness.eventsOf(kafka, topic("realtime.session.events"), c.sessionId,
        l -> l.stream().filter(e -> e.type() == EventType.SESSION_RECONNECT).count() >= 6);
    assertThat(events.stream().filter(e -> e.type() == EventType.SESSION_RECONNECT)
        .map(e -> e.payload().getString("class") + "/" + e.payload().getString("reason")))
        .containsExactly("transport/ice_failed", "transport/network_switch", "session/token_expired",
            "session/auth_failed", "session/event_order_broken", "session/microphone_unplugged");
    assertThat(events.stream().filter(e -> e.type() == EventType.SESSION_ICE_RESTART)
        .map(e -> e.payload().getString("reason"))).containsExactly("ice_failed", "network_switch");
  }

  @Test
  void theSummaryKeepsTheLastTurnsWithinItsCharacterBudget() {
    Harness.Client c = new Harness.Client(base, sid());
    c.send("client.connected");
    for (int i = 1; i <= 6; i++) {
      c.send("conversation.item.input_audio_transcription.completed", "transcript",
          "turn " + i + " " + "x".repeat(90));
    }
    JsonObject state = c.await("six transcripts applied", s -> s.getLong("last_ack_seq") == 7L);
    JsonObject summary = state.getJsonObject("summary");
    assertThat(summary.getInteger("max_chars")).isEqualTo(300);
    assertThat(summary.getInteger("chars")).isLessThanOrEqualTo(300);
    JsonArray lines = summary.getJsonArray("lines");
    assertThat(lines.size()).isBetween(1, 3);
    assertThat(lines.getJsonObject(lines.size() - 1).getString("text")).startsWith("turn 6 ");
    assertThat(lines.getJsonObject(0).getString("text")).doesNotStartWith("turn 1 ");
  }

  @Test
  void callersMustHoldTheirSessionsValidRotationToken() {
    String sid = sid();
    String url = base + "/v1/sessions/" + sid + "/events";
    String body = new JsonObject().put("events", new JsonArray().add(new JsonObject().put("type", "client.connected")
        .put("seq", 1).put("occurred_at_ms", System.currentTimeMillis()))).encode();

    Http.Response none = Http.post(url, body);
    assertThat(none.status()).isEqualTo(401);
    assertThat(none.error().getString("code")).isEqualTo("unauthenticated");

    Http.Response malformed = Http.post(url, body, "Authorization", "Bearer not-a-token");
    assertThat(malformed.status()).isEqualTo(401);
    assertThat(malformed.error().getString("code")).isEqualTo("invalid_token");

    String valid = Harness.token(sid);
    String forged = valid.substring(0, valid.lastIndexOf('.') + 1) + "AAAA" + valid.substring(valid.lastIndexOf('.') + 5);
    Http.Response forgedAnswer = Http.post(url, body, "Authorization", "Bearer " + forged);
    assertThat(forgedAnswer.status()).isEqualTo(401);
    assertThat(forgedAnswer.error().getString("code")).isEqualTo("invalid_token");
    String otherKey = new dev.rtvoice.common.handle.SessionHandleCodec("another-key-0123456789-0123456789-abcdef",
        null, java.time.Clock.systemUTC()).sign(new dev.rtvoice.common.handle.SessionHandle(sid, "u", "d", 0,
        Instant.now(), Instant.now().plusSeconds(600), Instant.now().plusSeconds(660)));
    assertThat(Http.post(url, body, "Authorization", "Bearer " + otherKey).error().getString("code"))
        .isEqualTo("invalid_token");

    String expired = Harness.CODEC.sign(new dev.rtvoice.common.handle.SessionHandle(sid, "u", "d", 0,
        Instant.now().minusSeconds(700), Instant.now().minusSeconds(100), Instant.now().minusSeconds(40)));
    Http.Response expiredAnswer = Http.post(url, body, "Authorization", "Bearer " + expired);
    assertThat(expiredAnswer.status()).isEqualTo(401);
    assertThat(expiredAnswer.error().getString("code")).isEqualTo("session_expired");

    String other = Harness.token(sid());
    Http.Response forbidden = Http.post(url, body, "Authorization", "Bearer " + other);
    assertThat(forbidden.status()).isEqualTo(403);
    assertThat(forbidden.error().getString("code")).isEqualTo("forbidden");
    for (String path : List.of("/interrupt", "/recover")) {
      assertThat(Http.post(base + "/v1/sessions/" + sid + path, "{\"reason\":\"ice_failed\"}",
          "Authorization", "Bearer " + other).status()).isEqualTo(403);
    }
    assertThat(Http.get(base + "/v1/sessions/" + sid, "Authorization", "Bearer " + other).status()).isEqualTo(403);
    for (Http.Response r : List.of(none, malformed, forgedAnswer, expiredAnswer, forbidden)) {
      assertThat(r.body()).doesNotContain(valid.substring(4, 20));
    }

    // none of it reached Kafka: the session does not exist
    Harness.Client c = new Harness.Client(base, sid);
    assertThat(c.get().status()).isEqualTo(404);
    assertThat(c.get().error().getString("code")).isEqualTo("not_found");

    // the console: the operator token lists sessions; a client token does not
    c.send("client.connected");
    c.awaitPhase("LISTENING");
    Http.Response list = Http.get(base + "/v1/sessions?phase=listening&limit=500", "Authorization",
        "Bearer " + Harness.OPERATOR);
    assertThat(list.status()).isEqualTo(200);
    assertThat(list.json().getJsonArray("sessions").stream().map(o -> ((JsonObject) o).getString("session_id")))
        .contains(sid);
    assertThat(list.json().getJsonArray("sessions").stream().map(o -> ((JsonObject) o).getString("phase")))
        .containsOnly("LISTENING");
    assertThat(Http.get(base + "/v1/sessions/" + sid, "Authorization", "Bearer " + Harness.OPERATOR).status())
        .isEqualTo(200);
    assertThat(Http.get(base + "/v1/sessions", "Authorization", "Bearer " + c.token).status()).isEqualTo(401);
    assertThat(Http.get(base + "/v1/sessions", "Authorization", "Bearer wrong").status()).isEqualTo(401);
    assertThat(Http.get(base + "/v1/sessions?phase=DANCING", "Authorization", "Bearer " + Harness.OPERATOR)
        .error().getString("message")).contains("phase");
  }

  @Test
  void badInputIsA400NamingTheFieldAndNothingOfTheBatchIsWritten() {
    Harness.Client c = new Harness.Client(base, sid());
    String auth = "Bearer " + c.token;
    String url = base + "/v1/sessions/" + c.sessionId + "/events";

    assertBadRequest(Http.post(url, "{not json", "Authorization", auth), null);
    assertBadRequest(Http.post(url, "{}", "Authorization", auth), "events");
    assertBadRequest(Http.post(url, "{\"events\":[]}", "Authorization", auth), "events");
    assertBadRequest(Http.post(url, "{\"events\":[1]}", "Authorization", auth), "events[0]");
    assertBadRequest(c.post(c.event("client.connected"), c.event("response.teleported")), "events[1].type");
    assertBadRequest(c.post(c.event("client.connected"), new JsonObject().put("type", "client.connected")
        .put("occurred_at_ms", System.currentTimeMillis())), "events[1].seq");
    assertBadRequest(c.post(c.event("response.created")), "events[0].response_id");
    assertBadRequest(c.post(c.event("response.done", "response_id", "r", "status", "maybe")), "events[0].status");
    assertBadRequest(c.post(new JsonObject().put("type", "client.connected").put("seq", 1)
        .put("occurred_at_ms", 1_700_000_000L)), "events[0].occurred_at_ms");
    JsonArray tooMany = new JsonArray();
    for (int i = 0; i < 21; i++) {
      tooMany.add(c.event("client.network_changed"));
    }
    assertBadRequest(c.postBatch(tooMany), "events");
    assertBadRequest(Http.post(base + "/v1/sessions/" + c.sessionId + "/recover", "{}", "Authorization", auth),
        "reason");
    assertBadRequest(Http.post(base + "/v1/sessions/" + c.sessionId + "/interrupt", "{\"audio_end_ms\":-5}",
        "Authorization", auth), "audio_end_ms");

    // every batch above was refused whole: the session was never started
    assertThat(c.get().status()).isEqualTo(404);
    assertThat(kafka.readEventsUntil(topic("realtime.session.commands"), l -> false, Duration.ofMillis(500))
        .stream().filter(e -> c.sessionId.equals(e.sessionId()))).isEmpty();
    assertThat(Http.get(base + "/v1/sessions/" + sid(), "Authorization", "Bearer " + Harness.OPERATOR).status())
        .isEqualTo(404);
  }

  @Test
  void underTheDefaultLimitsAFloodOfLargeOutOfOrderEventsIsAnswered429AfterItsBurst() {
    // the flood of FloodIsolationIT (seq n, then n+2.. with 4,000-character transcripts, in requests of
    // ten), sent back to back: about 41 KB per request against 32 KiB/s and a 256 KiB burst per session
    Harness.Client c = new Harness.Client(base, sid());
    Harness.Client neighbour = new Harness.Client(base, sid());
    assertThat(c.post(c.event("client.connected")).status()).isEqualTo(202);
    c.seq++; // the gap that never fills
    int accepted = 0;
    Http.Response limited = null;
    for (int request = 0; request < 20 && limited == null; request++) {
      JsonArray events = new JsonArray();
      for (int i = 0; i < 10; i++) {
        events.add(c.event("conversation.item.input_audio_transcription.completed", "transcript", "y".repeat(4000)));
      }
      Http.Response r = c.postBatch(events);
      if (r.status() == 429) {
        limited = r;
      } else {
        assertThat(r.status()).as(r.body()).isEqualTo(202);
        accepted++;
      }
    }
    assertThat(limited).as("a 429 within 20 requests (820 KB)").isNotNull();
    assertThat(accepted).as("the burst went through first").isBetween(5, 19);
    assertThat(limited.error().getString("code")).isEqualTo("rate_limited");
    assertThat(limited.error().getString("scope")).isEqualTo("session");
    assertThat(limited.error().getString("limit")).isEqualTo("bytes");
    assertThat(limited.header("Retry-After")).isNotNull();
    // another session of another user is not affected, and a realistic client never meets the limits
    neighbour.toSpeaking("resp_n", "item_n");
  }

  private static void assertBadRequest(Http.Response r, String field) {
    assertThat(r.status()).as(r.body()).isEqualTo(400);
    assertThat(r.error().getString("code")).isNotBlank();
    if (field != null) {
      assertThat(r.error().getString("message")).as(r.body()).contains(field);
    }
  }

  private static JsonObject recovered(Harness.Client c, String reason) {
    Http.Response r = c.recover(reason);
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    assertThat(r.json().getString("status")).isEqualTo("recovering");
    return r.json();
  }

  private static EventEnvelope only(List<EventEnvelope> events, EventType type) {
    List<EventEnvelope> of = events.stream().filter(e -> e.type() == type).toList();
    assertThat(of).as(type.wireName()).hasSize(1);
    return of.get(0);
  }
}
