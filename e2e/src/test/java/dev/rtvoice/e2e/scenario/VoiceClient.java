package dev.rtvoice.e2e.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rtvoice.common.testing.Http;
import dev.rtvoice.e2e.harness.Suite;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What a frontend does, over the suite's public HTTP APIs only: gets a session from token-service
 * with the app's user token, reports event summaries to session-service, posts latency samples to
 * metrics-service. Every response body is recorded for the secret sweep, and every client secret
 * it receives is remembered as a secret that must not appear anywhere else.
 */
public final class VoiceClient {
  /** Every client secret handed out during the run. */
  static final Set<String> CLIENT_SECRETS = ConcurrentHashMap.newKeySet();
  /** Every HTTP response body of the run, minus the one field that legitimately holds the secret. */
  static final List<String> RESPONSES = java.util.Collections.synchronizedList(new ArrayList<>());

  final Suite suite;
  final String userId;
  final String deviceId;
  public String sessionId;
  String rotationToken;
  JsonObject lastIssue;
  long seq;

  public VoiceClient(Suite suite, String userId, String deviceId) {
    this.suite = suite;
    this.userId = userId;
    this.deviceId = deviceId;
  }

  String userToken() {
    return suite.identity.userToken(userId, Duration.ofMinutes(10));
  }

  /** POST token-service /v1/sessions; 201 with a client secret and a rotation token. */
  public VoiceClient start(int ttlSeconds) {
    Http.Response r = record(Http.post(suite.tokenUrl + "/v1/sessions",
        new JsonObject().put("ttl_seconds", ttlSeconds).encode(),
        "Authorization", "Bearer " + userToken(), "X-Device-ID", deviceId, "Content-Type", "application/json"));
    assertThat(r.status()).as("issue: %s", r.body()).isEqualTo(201);
    accept(r.json());
    return this;
  }

  /** POST /v1/sessions/{id}/rotate; the raw response (200, or 502 with reconnect advice). */
  public Http.Response rotate() {
    Http.Response r = record(Http.post(suite.tokenUrl + "/v1/sessions/" + sessionId + "/rotate",
        new JsonObject().put("rotation_token", rotationToken).encode(),
        "Authorization", "Bearer " + userToken(), "X-Device-ID", deviceId, "Content-Type", "application/json"));
    if (r.status() == 200) {
      accept(r.json());
    }
    return r;
  }

  private void accept(JsonObject body) {
    lastIssue = body;
    sessionId = body.getString("session_id");
    rotationToken = body.getString("rotation_token");
    CLIENT_SECRETS.add(body.getJsonObject("client_secret").getString("value"));
  }

  String clientSecret() {
    return lastIssue.getJsonObject("client_secret").getString("value");
  }

  // ---- session-service ----

  /** A client event summary with the next sequence number. */
  JsonObject event(String type, long occurredAtMs, Object... fields) {
    JsonObject e = new JsonObject().put("type", type).put("seq", ++seq).put("occurred_at_ms", occurredAtMs);
    for (int i = 0; i < fields.length; i += 2) {
      e.put((String) fields[i], fields[i + 1]);
    }
    return e;
  }

  Http.Response post(JsonObject... events) {
    return postEvents(new JsonArray(List.of((Object[]) events)));
  }

  Http.Response postEvents(JsonArray events) {
    return record(Http.post(suite.sessionUrl + "/v1/sessions/" + sessionId + "/events",
        new JsonObject().put("platform", "web").put("events", events).encode(),
        "Authorization", "Bearer " + rotationToken, "Content-Type", "application/json"));
  }

  Http.Response interrupt(long audioEndMs) {
    return record(Http.post(suite.sessionUrl + "/v1/sessions/" + sessionId + "/interrupt",
        new JsonObject().put("audio_end_ms", audioEndMs).encode(),
        "Authorization", "Bearer " + rotationToken, "Content-Type", "application/json"));
  }

  Http.Response recover(String reason) {
    return record(Http.post(suite.sessionUrl + "/v1/sessions/" + sessionId + "/recover",
        new JsonObject().put("reason", reason).encode(),
        "Authorization", "Bearer " + rotationToken, "Content-Type", "application/json"));
  }

  JsonObject state() {
    Http.Response r = record(Http.get(suite.sessionUrl + "/v1/sessions/" + sessionId,
        "Authorization", "Bearer " + rotationToken));
    assertThat(r.status()).as("state of %s: %s", sessionId, r.body()).isEqualTo(200);
    return r.json();
  }

  /** The state, or null while no instance knows the session yet (404). */
  JsonObject stateOrNull() {
    Http.Response r = record(Http.get(suite.sessionUrl + "/v1/sessions/" + sessionId,
        "Authorization", "Bearer " + rotationToken));
    return r.status() == 200 ? r.json() : null;
  }

  // ---- metrics-service ----

  public Http.Response telemetry(JsonArray samples) {
    return record(Http.post(suite.metricsUrl + "/v1/telemetry",
        new JsonObject().put("session_id", sessionId).put("samples", samples).encode(),
        "Authorization", "Bearer " + rotationToken, "Content-Type", "application/json"));
  }

  static Http.Response record(Http.Response r) {
    String body = r.body();
    if (body != null && body.contains("\"client_secret\"")) {
      // the one legitimate place of a client secret: token-service's answer to its owner
      try {
        JsonObject json = new JsonObject(body);
        json.remove("client_secret");
        json.remove("value");
        body = json.encode();
      } catch (RuntimeException notJson) {
        // recorded as is
      }
    }
    RESPONSES.add(body == null ? "" : body);
    r.headers().forEach((k, v) -> RESPONSES.add(k + ": " + v));
    return r;
  }
}
