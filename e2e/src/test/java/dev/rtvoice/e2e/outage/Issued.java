package dev.rtvoice.e2e.outage;

import dev.rtvoice.e2e.harness.Suite;
import io.vertx.core.json.JsonObject;
import java.time.Duration;

/** A session token-service answered 201 for: its id and the rotation token that authenticates it. */
record Issued(String sessionId, String rotationToken, long answeredAtMs) {

  /** POST /v1/sessions as the app does it, retried as the client library retries; null if not 201. */
  static Issued issue(Suite suite, RetryingClient client, String user, String device) {
    RetryingClient.Outcome o = client.post(suite.tokenUrl + "/v1/sessions",
        new JsonObject().put("ttl_seconds", 300).encode(),
        "Authorization", "Bearer " + suite.identity.userToken(user, Duration.ofMinutes(30)), "X-Device-ID", device);
    if (o.status() != 201) {
      return null;
    }
    JsonObject body = new JsonObject(o.body());
    return new Issued(body.getString("session_id"), body.getString("rotation_token"), o.answeredAtMs());
  }

  static Issued require(Suite suite, RetryingClient client, String user, String device) {
    Issued issued = issue(suite, client, user, device);
    if (issued == null) {
      throw new IllegalStateException("token-service did not issue a session to " + user);
    }
    return issued;
  }
}
