package dev.rtvoice.upstreamsim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rtvoice.common.testing.Eventually;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class SidebandTest {
  private SimHarness sim;

  @BeforeEach
  void start() throws Exception {
    sim = new SimHarness(Map.of());
  }

  @AfterEach
  void stop() throws Exception {
    sim.close();
  }

  private SimHarness.Sideband connect(String callId) throws Exception {
    SimHarness.Sideband sideband = sim.sideband(callId, SimHarness.KEY);
    JsonObject created = sideband.next();
    assertThat(created.getString("type")).isEqualTo("session.created");
    assertThat(created.getJsonObject("session").getString("id")).startsWith("sess_");
    return sideband;
  }

  @Test
  void connectionsWithoutTheKeyOrACallIdAreRefused() {
    assertThatThrownBy(() -> sim.sideband("rtc_1", null)).hasMessageContaining("401");
    assertThatThrownBy(() -> sim.sideband("rtc_1", "sk-wrong")).hasMessageContaining("401");
    assertThatThrownBy(() -> sim.sideband("", SimHarness.KEY)).hasMessageContaining("400");
  }

  @Test
  void anEphemeralKeyIssuedHereIsAccepted() throws Exception {
    String ek = sim.post("/v1/realtime/client_secrets", SimHarness.KEY, new JsonObject()).bodyAsJsonObject()
        .getString("value");
    SimHarness.Sideband sideband = sim.sideband("rtc_ek", ek);
    assertThat(sideband.next().getString("type")).isEqualTo("session.created");
  }

  @Test
  void responseCreateStreamsAudioThenCompletes() throws Exception {
    SimHarness.Sideband sideband = connect("rtc_turn");
    sideband.send(new JsonObject().put("type", "response.create").put("event_id", "evt_client_1"));

    JsonObject created = sideband.next();
    assertThat(created.getString("type")).isEqualTo("response.created");
    String responseId = created.getJsonObject("response").getString("id");
    assertThat(responseId).startsWith("resp_");
    assertThat(created.getJsonObject("response").getString("status")).isEqualTo("in_progress");
    JsonObject item = sideband.next();
    assertThat(item.getString("type")).isEqualTo("response.output_item.added");
    String itemId = item.getJsonObject("item").getString("id");

    JsonObject started = sideband.next();
    assertThat(started.getString("type")).isEqualTo("output_audio_buffer.started");
    assertThat(started.getString("response_id")).isEqualTo(responseId);
    for (int i = 0; i < 3; i++) {
      JsonObject delta = sideband.next();
      assertThat(delta.getString("type")).isEqualTo("response.output_audio.delta");
      assertThat(delta.getString("response_id")).isEqualTo(responseId);
      assertThat(delta.getString("item_id")).isEqualTo(itemId);
      // the delta interval's worth of 24 kHz PCM16, 20 ms = 960 bytes; the first runs a chunk ahead
      assertThat(Base64.getDecoder().decode(delta.getString("delta"))).hasSize(i == 0 ? 1920 : 960);
    }
    assertThat(sideband.next().getString("type")).isEqualTo("response.output_audio.done");
    JsonObject done = sideband.next();
    assertThat(done.getString("type")).isEqualTo("response.done");
    assertThat(done.getJsonObject("response").getString("id")).isEqualTo(responseId);
    assertThat(done.getJsonObject("response").getString("status")).isEqualTo("completed");
    JsonObject stopped = sideband.next();
    assertThat(stopped.getString("type")).isEqualTo("output_audio_buffer.stopped");
    assertThat(stopped.getString("response_id")).isEqualTo(responseId);
    assertThat(sim.admin(HttpMethod.GET, "/admin/calls/rtc_turn", null).bodyAsJsonObject()
        .getJsonObject("item_audio_ms").getLong(itemId)).isEqualTo(80L);
  }

  @Test
  void cancelOfTheActiveResponseEndsItAsCancelled() throws Exception {
    sim.admin(HttpMethod.PUT, "/admin/latency", new JsonObject().put("response_ms", 2000));
    SimHarness.Sideband sideband = connect("rtc_cancel");
    sideband.send(new JsonObject().put("type", "response.create"));
    String responseId = sideband.nextOfType("response.created").getJsonObject("response").getString("id");

    sideband.send(new JsonObject().put("type", "response.cancel").put("event_id", "evt_cancel")
        .put("response_id", responseId));
    JsonObject done = sideband.nextOfType("response.done");
    assertThat(done.getJsonObject("response").getString("id")).isEqualTo(responseId);
    assertThat(done.getJsonObject("response").getString("status")).isEqualTo("cancelled");
    assertThat(done.getJsonObject("response").getJsonObject("status_details").getString("reason"))
        .isEqualTo("client_cancelled");
    // no audio of the cancelled response follows
    assertThat(sideband.received.poll(2500, TimeUnit.MILLISECONDS)).isNull();
  }

  @Test
  void cancelWithoutAnActiveResponseIsResponseCancelNotActive() throws Exception {
    SimHarness.Sideband sideband = connect("rtc_nothing");
    sideband.send(new JsonObject().put("type", "response.cancel").put("event_id", "evt_c1"));
    JsonObject error = sideband.next();
    assertThat(error.getString("type")).isEqualTo("error");
    assertThat(error.getJsonObject("error").getString("code")).isEqualTo("response_cancel_not_active");
    assertThat(error.getJsonObject("error").getString("event_id")).isEqualTo("evt_c1");
  }

  @Test
  void truncateWithinTheItemsAudioIsAcknowledgedAndPastItRefusedAsOpenAiDoes() throws Exception {
    SimHarness.Sideband sideband = connect("rtc_truncate");
    sideband.send(new JsonObject().put("type", "response.create"));
    String itemId = sideband.nextOfType("response.output_item.added").getJsonObject("item").getString("id");
    sideband.nextOfType("output_audio_buffer.stopped"); // 3 deltas of 20 ms and a chunk ahead: 80 ms

    sideband.send(new JsonObject().put("type", "conversation.item.truncate").put("item_id", itemId)
        .put("content_index", 0).put("audio_end_ms", 1500).put("event_id", "evt_over"));
    JsonObject refused = sideband.next();
    assertThat(refused.getString("type")).isEqualTo("error");
    assertThat(refused.getJsonObject("error").getString("type")).isEqualTo("invalid_request_error");
    assertThat(refused.getJsonObject("error").getString("code")).isEqualTo("invalid_value");
    assertThat(refused.getJsonObject("error").getString("message"))
        .isEqualTo("Audio content of 80ms is already shorter than 1500ms");
    assertThat(refused.getJsonObject("error").getString("event_id")).isEqualTo("evt_over");

    sideband.send(new JsonObject().put("type", "conversation.item.truncate").put("item_id", itemId)
        .put("content_index", 0).put("audio_end_ms", 40));
    JsonObject truncated = sideband.next();
    assertThat(truncated.getString("type")).isEqualTo("conversation.item.truncated");
    assertThat(truncated.getString("item_id")).isEqualTo(itemId);
    assertThat(truncated.getLong("audio_end_ms")).isEqualTo(40L);
    // the item now holds 40 ms: a truncate at 50 is past it
    sideband.send(new JsonObject().put("type", "conversation.item.truncate").put("item_id", itemId)
        .put("content_index", 0).put("audio_end_ms", 50));
    assertThat(sideband.next().getJsonObject("error").getString("message"))
        .isEqualTo("Audio content of 40ms is already shorter than 50ms");

    sideband.send(new JsonObject().put("type", "conversation.item.truncate").put("item_id", "item_unknown")
        .put("content_index", 0).put("audio_end_ms", 10));
    assertThat(sideband.next().getJsonObject("error").getString("code")).isEqualTo("item_truncate_invalid_item_id");
  }

  @Test
  void anItemCancelledBeforeItsFirstAudioHasNoneToTruncate() throws Exception {
    sim.admin(HttpMethod.PUT, "/admin/latency", new JsonObject().put("response_ms", 2000));
    SimHarness.Sideband sideband = connect("rtc_silent");
    sideband.send(new JsonObject().put("type", "response.create"));
    JsonObject created = sideband.nextOfType("response.created");
    String itemId = sideband.nextOfType("response.output_item.added").getJsonObject("item").getString("id");
    sideband.send(new JsonObject().put("type", "response.cancel")
        .put("response_id", created.getJsonObject("response").getString("id")));
    sideband.nextOfType("response.done");
    sideband.send(new JsonObject().put("type", "conversation.item.truncate").put("item_id", itemId)
        .put("content_index", 0).put("audio_end_ms", 480));
    JsonObject refused = sideband.next();
    assertThat(refused.getJsonObject("error").getString("code")).isEqualTo("invalid_value");
    assertThat(refused.getJsonObject("error").getString("message"))
        .isEqualTo("Audio content of 0ms is already shorter than 480ms");
  }

  @Test
  void scriptedSpeechEventsReachEveryConnectionOfTheCall() throws Exception {
    SimHarness.Sideband a = connect("rtc_speech");
    SimHarness.Sideband b = connect("rtc_speech");
    JsonObject sent = sim.admin(HttpMethod.POST, "/admin/calls/rtc_speech/events", new JsonObject()
        .put("type", "input_audio_buffer.speech_started").put("audio_start_ms", 1200).put("item_id", "item_u1"))
        .bodyAsJsonObject();
    assertThat(sent.getInteger("connections")).isEqualTo(2);
    for (SimHarness.Sideband s : new SimHarness.Sideband[] {a, b}) {
      JsonObject started = s.next();
      assertThat(started.getString("type")).isEqualTo("input_audio_buffer.speech_started");
      assertThat(started.getInteger("audio_start_ms")).isEqualTo(1200);
      assertThat(started.getString("event_id")).startsWith("event_");
    }
    sim.admin(HttpMethod.POST, "/admin/calls/rtc_speech/events", new JsonObject()
        .put("type", "input_audio_buffer.speech_stopped").put("audio_end_ms", 2400));
    assertThat(a.next().getString("type")).isEqualTo("input_audio_buffer.speech_stopped");
  }

  @Test
  void adminShowsClientEventsAndCanDropTheConnection() throws Exception {
    SimHarness.Sideband sideband = connect("rtc_admin");
    sideband.send(new JsonObject().put("type", "response.cancel").put("event_id", "evt_seen"));
    sideband.next();
    JsonObject call = sim.admin(HttpMethod.GET, "/admin/calls/rtc_admin", null).bodyAsJsonObject();
    JsonArray events = call.getJsonArray("client_events");
    assertThat(events.getJsonObject(0).getString("type")).isEqualTo("response.cancel");
    assertThat(events.getJsonObject(0).getString("event_id")).isEqualTo("evt_seen");

    sim.admin(HttpMethod.POST, "/admin/calls/rtc_admin/drop", null);
    Eventually.await("sideband closed", () -> sideband.closed, Duration.ofSeconds(5));
  }

  @Test
  void malformedAndUnknownEventsGetAnErrorEvent() throws Exception {
    SimHarness.Sideband sideband = connect("rtc_bad");
    sideband.socket.writeTextMessage("{nope");
    assertThat(sideband.next().getJsonObject("error").getString("code")).isEqualTo("invalid_json");
    sideband.send(new JsonObject().put("type", "response.teleport"));
    assertThat(sideband.next().getJsonObject("error").getString("code")).isEqualTo("invalid_value");
  }
}
