package dev.rtvoice.upstreamsim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rtvoice.common.testing.Eventually;
import dev.rtvoice.upstreamsim.realtime.SidebandServer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A call's end: the maximum duration (upstream's 60-minute cap, short here), the hangup, and scripted speech. */
class CallLifecycleTest {
  private SimHarness sim;

  @AfterEach
  void stop() throws Exception {
    if (sim != null) {
      sim.close();
    }
  }

  private SimHarness.Sideband connect(String callId, String key) throws Exception {
    SimHarness.Sideband s = sim.sideband(callId, key);
    assertThat(s.next().getString("type")).isEqualTo("session.created");
    return s;
  }

  private String ephemeralKey() throws Exception {
    return sim.post("/v1/realtime/client_secrets", SimHarness.KEY, new JsonObject()).bodyAsJsonObject().getString("value");
  }

  @Test
  void theMessageIsUpstreamsAtTheDefaultCap() {
    assertThat(SidebandServer.expiredMessage(Duration.ofMinutes(60)))
        .isEqualTo("Your session hit the maximum duration of 60 minutes.");
    assertThat(SidebandServer.expiredMessage(Duration.ofSeconds(1))).endsWith("of 1 second.");
    assertThat(SidebandServer.expiredMessage(Duration.ofMillis(1500))).endsWith("of 1500 ms.");
  }

  @Test
  void atTheCapEveryConnectionGetsSessionExpiredThenClose1001AndTheCallRefusesNewOnes() throws Exception {
    sim = new SimHarness(Map.of("SIM_SESSION_MAX", "2s", "SIM_AUDIO_DELTAS", "1000", "SIM_DELTA_INTERVAL", "40ms"));
    SimHarness.Sideband sideband = connect("rtc_cap", SimHarness.KEY);
    SimHarness.Sideband client = connect("rtc_cap", ephemeralKey());
    // a response still playing when the cap comes: it stops with the call
    sideband.send(new JsonObject().put("type", "response.create"));

    for (SimHarness.Sideband s : new SimHarness.Sideband[] {sideband, client}) {
      JsonObject error = s.nextOfType("error");
      assertThat(error.getJsonObject("error").getString("code")).isEqualTo("session_expired");
      assertThat(error.getJsonObject("error").getString("type")).isEqualTo("invalid_request_error");
      assertThat(error.getJsonObject("error").getString("message"))
          .isEqualTo("Your session hit the maximum duration of 2 seconds.");
      assertThat(error.getString("event_id")).startsWith("event_");
      Eventually.await("connection closed", () -> s.closed, Duration.ofSeconds(5));
      assertThat(s.closeStatus).isEqualTo((short) 1001);
      // nothing after the error: no more audio of the response that was playing
      assertThat(s.received.poll(200, TimeUnit.MILLISECONDS)).isNull();
    }
    assertThatThrownBy(() -> sim.sideband("rtc_cap", SimHarness.KEY)).hasMessageContaining("404");
    JsonObject call = sim.admin(HttpMethod.GET, "/admin/calls/rtc_cap", null).bodyAsJsonObject();
    assertThat(call.getString("ended")).isEqualTo("session_expired");
    assertThat(call.getLong("age_ms")).isGreaterThanOrEqualTo(2000L);
    // other calls are not touched by this one's end
    SimHarness.Sideband other = connect("rtc_other", SimHarness.KEY);
    assertThat(other.received.poll(300, TimeUnit.MILLISECONDS)).isNull();
    assertThat(other.closed).isFalse();
  }

  @Test
  void hangupEndsTheCallForEveryConnection() throws Exception {
    sim = new SimHarness(Map.of());
    SimHarness.Sideband sideband = connect("rtc_hang", SimHarness.KEY);
    SimHarness.Sideband client = connect("rtc_hang", ephemeralKey());

    assertThat(sim.post("/v1/realtime/calls/rtc_hang/hangup", null, null).statusCode()).isEqualTo(401);
    assertThat(sim.post("/v1/realtime/calls/rtc_hang/hangup", ephemeralKey(), null).statusCode())
        .as("an ephemeral key cannot hang up").isEqualTo(401);
    var unknown = sim.post("/v1/realtime/calls/rtc_nobody/hangup", SimHarness.KEY, null);
    assertThat(unknown.statusCode()).isEqualTo(404);
    assertThat(unknown.bodyAsJsonObject().getJsonObject("error").getString("code")).isEqualTo("call_not_found");
    assertThat(sideband.closed).isFalse();

    assertThat(sim.post("/v1/realtime/calls/rtc_hang/hangup", SimHarness.KEY, null).statusCode()).isEqualTo(200);
    for (SimHarness.Sideband s : new SimHarness.Sideband[] {sideband, client}) {
      Eventually.await("connection closed", () -> s.closed, Duration.ofSeconds(5));
      assertThat(s.closeStatus).isEqualTo((short) 1000);
    }
    assertThat(sim.post("/v1/realtime/calls/rtc_hang/hangup", SimHarness.KEY, null).statusCode())
        .as("a call hangs up once").isEqualTo(404);
    assertThatThrownBy(() -> sim.sideband("rtc_hang", SimHarness.KEY)).hasMessageContaining("404");
    assertThat(sim.admin(HttpMethod.GET, "/admin/calls/rtc_hang", null).bodyAsJsonObject().getString("ended"))
        .isEqualTo("hangup");
  }

  @Test
  void scriptedSpeechHasTheChosenLengthAndTranscript() throws Exception {
    sim = new SimHarness(Map.of());
    SimHarness.Sideband s = connect("rtc_talk", SimHarness.KEY);
    var answer = sim.admin(HttpMethod.POST, "/admin/calls/rtc_talk/speech",
        new JsonObject().put("duration_ms", 300).put("transcript", "uh-huh"));
    assertThat(answer.statusCode()).isEqualTo(202);
    String itemId = answer.bodyAsJsonObject().getString("item_id");

    JsonObject started = s.next();
    assertThat(started.getString("type")).isEqualTo("input_audio_buffer.speech_started");
    assertThat(started.getString("item_id")).isEqualTo(itemId);
    JsonObject stopped = s.next();
    assertThat(stopped.getString("type")).isEqualTo("input_audio_buffer.speech_stopped");
    assertThat(stopped.getLong("audio_end_ms") - started.getLong("audio_start_ms")).isEqualTo(300L);
    assertThat(s.next().getString("type")).isEqualTo("input_audio_buffer.committed");
    JsonObject delta = s.next();
    assertThat(delta.getString("type")).isEqualTo("conversation.item.input_audio_transcription.delta");
    JsonObject completed = s.next();
    assertThat(completed.getString("type")).isEqualTo("conversation.item.input_audio_transcription.completed");
    assertThat(completed.getString("transcript")).isEqualTo("uh-huh");
    assertThat(completed.getString("item_id")).isEqualTo(itemId);

    // without a transcript: speech only (a cough)
    sim.admin(HttpMethod.POST, "/admin/calls/rtc_talk/speech", new JsonObject().put("duration_ms", 0));
    assertThat(s.next().getString("type")).isEqualTo("input_audio_buffer.speech_started");
    assertThat(s.next().getString("type")).isEqualTo("input_audio_buffer.speech_stopped");
    assertThat(s.next().getString("type")).isEqualTo("input_audio_buffer.committed");
    assertThat(s.received.poll(200, TimeUnit.MILLISECONDS)).isNull();
  }

  @Test
  void hostileSpeechRequestsAreRefusedAndSpeechStopsWithItsCall() throws Exception {
    sim = new SimHarness(Map.of());
    SimHarness.Sideband s = connect("rtc_bounds", SimHarness.KEY);
    assertThat(sim.admin(HttpMethod.POST, "/admin/calls/rtc_none/speech", new JsonObject()).statusCode()).isEqualTo(404);
    assertThat(sim.admin(HttpMethod.POST, "/admin/calls/rtc_bounds/speech", new JsonObject().put("duration_ms", -1))
        .statusCode()).isEqualTo(400);
    assertThat(sim.admin(HttpMethod.POST, "/admin/calls/rtc_bounds/speech",
        new JsonObject().put("duration_ms", 700_000)).statusCode()).isEqualTo(400);
    assertThat(sim.admin(HttpMethod.POST, "/admin/calls/rtc_bounds/speech",
        new JsonObject().put("transcript", "x".repeat(4001))).statusCode()).isEqualTo(400);
    var bad = sim.admin(HttpMethod.POST, "/admin/calls/rtc_bounds/speech", new JsonObject().put("duration_ms", "long"));
    assertThat(bad.statusCode()).isEqualTo(400);
    assertThat(bad.bodyAsJsonObject().getJsonObject("error").getString("code")).isNotBlank();
    assertThat(s.received.poll(100, TimeUnit.MILLISECONDS)).as("nothing was spoken").isNull();

    sim.admin(HttpMethod.POST, "/admin/calls/rtc_bounds/speech", new JsonObject().put("duration_ms", 2000));
    assertThat(s.next().getString("type")).isEqualTo("input_audio_buffer.speech_started");
    sim.post("/v1/realtime/calls/rtc_bounds/hangup", SimHarness.KEY, null);
    Eventually.await("closed", () -> s.closed, Duration.ofSeconds(5));
    assertThat(sim.admin(HttpMethod.POST, "/admin/calls/rtc_bounds/speech", new JsonObject()).statusCode())
        .as("an ended call speaks no more").isEqualTo(404);
  }
}
