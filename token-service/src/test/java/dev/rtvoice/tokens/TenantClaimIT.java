package dev.rtvoice.tokens;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rtvoice.common.event.EventEnvelope;
import dev.rtvoice.common.event.EventType;
import dev.rtvoice.common.handle.SessionHandle;
import dev.rtvoice.common.handle.SessionHandleCodec;
import dev.rtvoice.common.testing.Http;
import dev.rtvoice.common.testing.KafkaBrokerExtension;
import dev.rtvoice.common.testing.TestKafka;
import dev.rtvoice.tokens.config.DevIdentity;
import dev.rtvoice.tokens.config.Hs256Jwt;
import dev.rtvoice.tokens.testing.TokenServiceHarness;
import io.vertx.core.json.JsonObject;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The user's tenant (the JWT claim named by {@code TENANT_CLAIM}, here a namespaced one) travels in
 * the rotation token as {@code tnt} and in {@code token.issued} / {@code token.rotated} as
 * {@code tenant_id}; a claim that is not a valid tenant id is ignored and counted, and the caller is
 * served all the same.
 */
@ExtendWith(KafkaBrokerExtension.class)
class TenantClaimIT {
  private static final String CLAIM = "https://rtvoice.dev/tenant";
  private static final SessionHandleCodec CODEC = new SessionHandleCodec(SessionHandleCodec.DEV_KEY, null,
      Clock.systemUTC());
  private static TokenServiceHarness h;

  @BeforeAll
  static void start(TestKafka kafka) throws Exception {
    h = TokenServiceHarness.start(kafka, Map.of("TENANT_CLAIM", CLAIM));
  }

  @AfterAll
  static void stop() throws Exception {
    h.close();
  }

  private static String jwt(String user, String claimName, Object tenant) {
    long now = Instant.now().getEpochSecond();
    JsonObject claims = new JsonObject().put("iss", DevIdentity.ISSUER).put("aud", DevIdentity.AUDIENCE)
        .put("sub", user).put("iat", now).put("exp", now + 600);
    if (claimName != null) {
      claims.put(claimName, tenant);
    }
    return Hs256Jwt.sign(claims, DevIdentity.HMAC_SECRET);
  }

  private static Http.Response issue(String jwt, String device) {
    return h.post("/v1/sessions", "{}", "Authorization", "Bearer " + jwt, "X-Device-ID", device);
  }

  private static Http.Response rotate(String jwt, String device, String sessionId, String token) {
    return h.post("/v1/sessions/" + sessionId + "/rotate", new JsonObject().put("rotation_token", token).encode(),
        "Authorization", "Bearer " + jwt, "X-Device-ID", device);
  }

  private static EventEnvelope event(EventType type, String sessionId) {
    List<EventEnvelope> events = h.kafka.readEventsUntil(h.tokenTopic(),
        es -> es.stream().anyMatch(e -> e.type() == type && sessionId.equals(e.sessionId())), Duration.ofSeconds(15));
    return events.stream().filter(e -> e.type() == type && sessionId.equals(e.sessionId())).findFirst()
        .orElseThrow(() -> new AssertionError("no " + type + " of " + sessionId));
  }

  @Test
  void theTenantTravelsInTheHandleAndTheEventsAndStaysWithTheSession() {
    Http.Response issued = issue(jwt("tara", CLAIM, "acme:eu-1"), "tab-1");
    assertThat(issued.status()).isEqualTo(201);
    String sessionId = issued.json().getString("session_id");
    SessionHandle handle = CODEC.verify(issued.json().getString("rotation_token"));
    assertThat(handle.tenantId()).isEqualTo("acme:eu-1");
    assertThat(event(EventType.TOKEN_ISSUED, sessionId).payload().getString("tenant_id")).isEqualTo("acme:eu-1");

    // the rotating call's token names another tenant: the session keeps the one it started with
    Http.Response rotated = rotate(jwt("tara", CLAIM, "globex"), "tab-1", sessionId,
        issued.json().getString("rotation_token"));
    assertThat(rotated.status()).isEqualTo(200);
    assertThat(CODEC.verify(rotated.json().getString("rotation_token")).tenantId()).isEqualTo("acme:eu-1");
    assertThat(event(EventType.TOKEN_ROTATED, sessionId).payload().getString("tenant_id")).isEqualTo("acme:eu-1");
  }

  @Test
  void withoutTheClaimThereIsNoTenantAndNothingIsCounted() {
    double ignoredBefore = h.metric("token_tenant_claim_ignored_total", "");
    // a claim of the default name is not the configured one
    Http.Response issued = issue(jwt("uma", "tenant", "acme"), "tab-2");
    assertThat(issued.status()).isEqualTo(201);
    String sessionId = issued.json().getString("session_id");
    assertThat(CODEC.verify(issued.json().getString("rotation_token")).tenant()).isEmpty();
    assertThat(event(EventType.TOKEN_ISSUED, sessionId).payload().containsKey("tenant_id")).isFalse();
    assertThat(h.metric("token_tenant_claim_ignored_total", "")).isEqualTo(ignoredBefore);
  }

  @Test
  void aTenantClaimThatIsNoTenantIdIsIgnoredAndCountedAndTheCallerServed() {
    double ignoredBefore = h.metric("token_tenant_claim_ignored_total", "");
    Object[] hostile = {"acme corp", "x".repeat(65), "../../etc", 7, new JsonObject().put("id", "acme")};
    for (int i = 0; i < hostile.length; i++) {
      Http.Response issued = issue(jwt("vic" + i, CLAIM, hostile[i]), "tab-3-" + i);
      assertThat(issued.status()).as("%s", hostile[i]).isEqualTo(201);
      String sessionId = issued.json().getString("session_id");
      assertThat(CODEC.verify(issued.json().getString("rotation_token")).tenant()).isEmpty();
      assertThat(event(EventType.TOKEN_ISSUED, sessionId).payload().containsKey("tenant_id")).isFalse();
    }
    assertThat(h.metric("token_tenant_claim_ignored_total", "")).isEqualTo(ignoredBefore + hostile.length);
  }

  @Test
  void aSessionBegunWithoutATenantTakesTheRotatingCallersOnce() {
    // as a session begun before tenants were carried: its rotation token has no tnt claim
    Http.Response issued = issue(jwt("walt", null, null), "tab-4");
    String sessionId = issued.json().getString("session_id");
    SessionHandle old = CODEC.verify(issued.json().getString("rotation_token"));
    assertThat(old.tenantId()).isNull();
    Http.Response rotated = rotate(jwt("walt", CLAIM, "initech"), "tab-4", sessionId,
        issued.json().getString("rotation_token"));
    assertThat(rotated.status()).isEqualTo(200);
    assertThat(CODEC.verify(rotated.json().getString("rotation_token")).tenantId()).isEqualTo("initech");
    assertThat(event(EventType.TOKEN_ROTATED, sessionId).payload().getString("tenant_id")).isEqualTo("initech");
  }
}
