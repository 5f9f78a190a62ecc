package dev.rtvoice.e2e.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rtvoice.common.testing.Http;
import dev.rtvoice.e2e.harness.Suite;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.Instant;

/**
 * The README's operator walk-through ("Walk-through with curl"), step by step over the public HTTP
 * APIs, so that what it tells a newcomer keeps working: issue a client secret, report a turn,
 * interrupt it, recover, post latency samples, read the budget, fail a rotation and see the alert.
 */
final class WalkThrough {
  private final Suite suite;
  private final String userToken;
  String sessionId;
  String rotationToken;

  WalkThrough(Suite suite) {
    this.suite = suite;
    this.userToken = suite.identity.userToken("walkthrough-user", Duration.ofMinutes(10));
  }

  /** Step 1: POST token-service /v1/sessions with the user's token; 201 with a secret and a rotation token. */
  JsonObject issue() {
    Http.Response r = Http.post(suite.tokenUrl + "/v1/sessions", "{}", "Authorization", "Bearer " + userToken,
        "X-Device-ID", "laptop-1", "Content-Type", "application/json");
    assertThat(r.status()).as(r.body()).isEqualTo(201);
    sessionId = r.json().getString("session_id");
    rotationToken = r.json().getString("rotation_token");
    return r.json();
  }

  /** A caller without a user token is denied (401), and counted as such. */
  void deniedWithoutUserToken() {
    Http.Response r = Http.post(suite.tokenUrl + "/v1/sessions", "{}", "X-Device-ID", "laptop-1",
        "Content-Type", "application/json");
    assertThat(r.status()).as(r.body()).isEqualTo(401);
    assertThat(r.error().getString("code")).isNotBlank();
  }

  /** Step 2: the client reports a turn up to the assistant speaking; 202 once durable. */
  void reportTurn() {
    long now = System.currentTimeMillis();
    JsonArray events = new JsonArray()
        .add(event("client.connected", 1, now - 3000).put("call_id", "rtc_walkthrough"))
        .add(event("input_audio_buffer.speech_stopped", 2, now - 2000))
        .add(event("response.created", 3, now - 1900).put("response_id", "resp_1"))
        .add(event("output_audio_buffer.started", 4, now - 1000).put("response_id", "resp_1"));
    Http.Response r = Http.post(suite.sessionUrl + "/v1/sessions/" + sessionId + "/events",
        new JsonObject().put("platform", "web").put("events", events).encode(),
        "Authorization", "Bearer " + rotationToken, "Content-Type", "application/json");
    assertThat(r.status()).as(r.body()).isEqualTo(202);
  }

  /** Step 3: the user barges in; the answer lists what the client sends on its data channel. */
  JsonObject interrupt() {
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (true) {
      Http.Response r = Http.post(suite.sessionUrl + "/v1/sessions/" + sessionId + "/interrupt",
          new JsonObject().put("interrupt_id", "int_walkthrough").put("audio_end_ms", 800).encode(),
          "Authorization", "Bearer " + rotationToken, "Content-Type", "application/json");
      // 409 until the owner has applied the turn (the 202 above is durability, not application)
      if (r.status() != 409 || System.nanoTime() > deadline) {
        assertThat(r.status()).as(r.body()).isIn(200, 202);
        return r.json();
      }
      sleep(200);
    }
  }

  /** Step 4: the client lost its token and recovers: a session-class plan. */
  JsonObject recover() {
    Http.Response r = Http.post(suite.sessionUrl + "/v1/sessions/" + sessionId + "/recover",
        new JsonObject().put("reason", "token_expired").encode(),
        "Authorization", "Bearer " + rotationToken, "Content-Type", "application/json");
    assertThat(r.status()).as(r.body()).isIn(200, 202);
    return r.json();
  }

  /** Step 5: latency samples of the turn, one per stage the client measures. */
  void postLatency() {
    String at = Instant.now().toString();
    JsonArray samples = new JsonArray();
    String[][] stages = {{"capture", "60"}, {"uplink", "70"}, {"downlink", "40"}, {"playback", "90"},
        {"first_audio", "900"}, {"full_turn", "2400"}};
    for (String[] s : stages) {
      samples.add(new JsonObject().put("stage", s[0]).put("value_ms", Double.parseDouble(s[1])).put("turn", 1)
          .put("occurred_at", at).put("platform", "web"));
    }
    Http.Response r = Http.post(suite.metricsUrl + "/v1/telemetry",
        new JsonObject().put("batch_id", "walkthrough-1").put("samples", samples).encode(),
        "Authorization", "Bearer " + rotationToken, "Content-Type", "application/json");
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    assertThat(r.json().getInteger("accepted")).as(r.body()).isEqualTo(stages.length);
  }

  /** Step 6: the budget report. */
  JsonObject budget() {
    Http.Response r = Http.get(suite.metricsUrl + "/v1/latency/budget?window=5m");
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    return r.json();
  }

  /** Step 7: the upstream fails the rotation (the simulator's fault injection): 502, reissue advice. */
  void failRotation() {
    Http.Response fault = Http.post(suite.simUrl + "/admin/faults",
        new JsonObject().put("target", "client_secrets").put("status", 500).put("count", 10).encode(),
        "Content-Type", "application/json");
    assertThat(fault.status()).as(fault.body()).isIn(200, 201, 202);
    Http.Response r = Http.post(suite.tokenUrl + "/v1/sessions/" + sessionId + "/rotate",
        new JsonObject().put("rotation_token", rotationToken).encode(),
        "Authorization", "Bearer " + userToken, "X-Device-ID", "laptop-1", "Content-Type", "application/json");
    assertThat(r.status()).as(r.body()).isEqualTo(502);
    assertThat(r.error().getString("code")).isEqualTo("rotation_failed");
  }

  /** Step 8: the alert, as alerting-service lists it; null until it is there. */
  JsonObject firingAlert(String name) {
    Http.Response r = Http.get(suite.alertingUrl + "/v1/alerts?state=firing&alertname=" + name);
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    JsonArray alerts = r.json().getJsonArray("alerts");
    return alerts.isEmpty() ? null : alerts.getJsonObject(0);
  }

  private static JsonObject event(String type, long seq, long at) {
    return new JsonObject().put("type", type).put("seq", seq).put("occurred_at_ms", at);
  }

  static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
