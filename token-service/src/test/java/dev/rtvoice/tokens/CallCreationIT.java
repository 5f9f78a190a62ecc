package dev.rtvoice.tokens;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rtvoice.common.event.EventEnvelope;
import dev.rtvoice.common.event.EventType;
import dev.rtvoice.common.testing.Http;
import dev.rtvoice.common.testing.KafkaBrokerExtension;
import dev.rtvoice.common.testing.TestKafka;
import dev.rtvoice.tokens.testing.TokenServiceHarness;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@code POST /v1/realtime/calls}: the browser's offer, the call created at upstream-sim with the API
 * key (multipart), the answer and the call id back, {@code token.call_created} on the real broker.
 * The simulator relays each offer to this test's media peer, which answers with a fixed SDP.
 */
@ExtendWith(KafkaBrokerExtension.class)
class CallCreationIT {
  static final String OFFER = "v=0\r\no=- 46117 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0 1\r\n"
      + "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 0.0.0.0\r\na=mid:0\r\na=sendrecv\r\na=rtpmap:111 opus/48000/2\r\n"
      + "m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\na=mid:1\r\n";
  static final String ANSWER = "v=0\r\no=- 7 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n"
      + "a=mid:0\r\n";

  private static TokenServiceHarness h;
  private static Vertx peerVertx;
  private static HttpServer peer;
  private static final List<String> offersSeen = new CopyOnWriteArrayList<>();
  private static final List<String> callIdsSeen = new CopyOnWriteArrayList<>();

  @BeforeAll
  static void start(TestKafka kafka) throws Exception {
    h = TokenServiceHarness.start(kafka, Map.of(
        "RATE_LIMIT_DEVICE_PER_MINUTE", "6", "RATE_LIMIT_DEVICE_BURST", "3",
        "RATE_LIMIT_USER_PER_MINUTE", "600", "RATE_LIMIT_USER_BURST", "100"));
    peerVertx = Vertx.vertx();
    peer = peerVertx.createHttpServer().requestHandler(req -> req.body().onSuccess(body -> {
      offersSeen.add(body.toString());
      callIdsSeen.add(req.getHeader("x-call-id"));
      req.response().setStatusCode(200).putHeader("content-type", "application/sdp").end(ANSWER);
    })).listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
  }

  @BeforeEach
  void registerPeer() {
    // a test may reset the simulator; the peer is registered again each time
    Http.Response r = Http.put(h.sim + "/admin/media-peer",
        new JsonObject().put("url", "http://127.0.0.1:" + peer.actualPort() + "/answer").encode());
    assertThat(r.status()).isEqualTo(200);
  }

  @AfterAll
  static void stop() throws Exception {
    h.close();
    peerVertx.close().await(10, TimeUnit.SECONDS);
  }

  private static Http.Response call(String user, String device, JsonObject body) {
    return h.post("/v1/realtime/calls", body.encode(), "Authorization", "Bearer "
        + TokenServiceHarness.userToken(user), "X-Device-ID", device);
  }

  private static void callFault(int status, int count, long delayMs) {
    Http.Response r = Http.post(h.sim + "/admin/faults", new JsonObject().put("target", "calls").put("status", status)
        .put("count", count).put("delay_ms", delayMs).encode());
    assertThat(r.status()).isEqualTo(201);
  }

  private static int pendingFaults() {
    return h.simState().getInteger("pending_faults");
  }

  private static List<EventEnvelope> events(EventType type, String userId, int atLeast) {
    return h.kafka.readEventsUntil(h.tokenTopic(), es -> es.stream()
            .filter(e -> e.type() == type && userId.equals(e.payload().getString("user_id"))).count() >= atLeast,
        Duration.ofSeconds(15)).stream()
        .filter(e -> e.type() == type && userId.equals(e.payload().getString("user_id"))).toList();
  }

  @Test
  void anOfferBecomesACallUpstreamAndTheSessionsHandleMakesItsNextCall() {
    Http.Response created = call("ada", "ada-laptop", new JsonObject().put("sdp", OFFER));
    assertThat(created.status()).isEqualTo(201);
    JsonObject body = created.json();
    String callId = body.getString("call_id");
    assertThat(callId).matches("rtc_[A-Za-z0-9]{24}");
    assertThat(body.getString("sdp")).isEqualTo(ANSWER);
    assertThat(created.header("Location")).isEqualTo("/v1/realtime/calls/" + callId);
    assertThat(created.header("Cache-Control")).isEqualTo("no-store");
    String sessionId = body.getString("session_id");
    assertThat(sessionId).startsWith("rts_");
    assertThat(body.getString("rotation_token")).as("a call that begins a session hands out its handle").isNotBlank();
    assertThat(body.getLong("rotation_token_expires_at")).isGreaterThan(System.currentTimeMillis() / 1000);
    assertThat(body.containsKey("value")).as("no client secret in the answer").isFalse();
    // the simulator relayed exactly the browser's offer for exactly that call
    assertThat(offersSeen).contains(OFFER);
    assertThat(callIdsSeen).contains(callId);

    // a hand-over: the next call of the same session, with its handle
    Http.Response next = call("ada", "ada-laptop", new JsonObject().put("sdp", OFFER)
        .put("rotation_token", body.getString("rotation_token")));
    assertThat(next.status()).isEqualTo(201);
    assertThat(next.json().getString("session_id")).isEqualTo(sessionId);
    assertThat(next.json().getString("call_id")).isNotEqualTo(callId);
    assertThat(next.json().containsKey("rotation_token")).as("the session's handle is unchanged").isFalse();

    List<EventEnvelope> recorded = events(EventType.TOKEN_CALL_CREATED, "ada", 2);
    assertThat(recorded).hasSize(2);
    assertThat(recorded).allSatisfy(e -> {
      assertThat(e.sessionId()).isEqualTo(sessionId);
      assertThat(e.payload().getString("device_id")).isEqualTo("ada-laptop");
      assertThat(e.payload().getLong("upstream_ms")).isNotNegative();
    });
    assertThat(recorded.stream().map(e -> e.payload().getString("call_id")))
        .containsExactlyInAnyOrder(callId, next.json().getString("call_id"));
    assertThat(recorded.stream().map(e -> e.payload().getBoolean("new_session"))).containsExactlyInAnyOrder(true,
        false);

    // the handle is a real one: the session can also be rotated to a client secret
    Http.Response rotated = h.rotate("ada", "ada-laptop", sessionId, body.getString("rotation_token"));
    assertThat(rotated.status()).isEqualTo(200);
    assertThat(rotated.json().getInteger("generation")).isEqualTo(1);
  }

  @Test
  void aHostileOfferIsRefusedBeforeAnythingIsSpentOnIt() {
    int offersBefore = offersSeen.size();
    String token = "Bearer " + TokenServiceHarness.userToken("mallory");

    assertThat(h.post("/v1/realtime/calls", new JsonObject().put("sdp", OFFER).encode(), "X-Device-ID", "m1").status())
        .as("no user token").isEqualTo(401);
    assertThat(h.post("/v1/realtime/calls", OFFER, "Authorization", token, "X-Device-ID", "m1",
        "content-type", "application/sdp").error().getString("code")).isEqualTo("unsupported_media_type");
    assertBad(h.post("/v1/realtime/calls", new JsonObject().put("sdp", OFFER).encode(), "Authorization", token,
        "X-Device-ID", "not a device"), 400, "invalid_request");
    assertBad(call("mallory", "m1", new JsonObject()), 400, "invalid_request");
    assertBad(call("mallory", "m1", new JsonObject().put("sdp", 42)), 400, "invalid_request");
    assertBad(call("mallory", "m1", new JsonObject().put("sdp", OFFER).put("instructions", "be evil")), 400,
        "invalid_request");
    assertBad(call("mallory", "m1", new JsonObject().put("sdp", "hello")), 400, "invalid_request");
    assertBad(call("mallory", "m1", new JsonObject().put("sdp", "v=0\r\ns=-\r\nm=video 9 RTP 96\r\n")), 400,
        "invalid_request");
    assertBad(call("mallory", "m1", new JsonObject().put("sdp", OFFER + "a=x\u0000y\r\n")), 400, "invalid_request");
    assertBad(call("mallory", "m1", new JsonObject().put("sdp", OFFER + "a=" + "x".repeat(2000) + "\r\n")), 400,
        "invalid_request");
    assertBad(call("mallory", "m1", new JsonObject().put("sdp", OFFER + "a=x\r\n".repeat(400))), 413,
        "payload_too_large");
    assertBad(call("mallory", "m1", new JsonObject().put("sdp", OFFER + ("a=" + "y".repeat(500) + "\r\n").repeat(26))),
        413, "payload_too_large");
    assertBad(call("mallory", "m1", new JsonObject().put("sdp", OFFER + "a=x\r\n".repeat(5_000))), 413,
        "payload_too_large");
    assertBad(call("mallory", "m1", new JsonObject().put("sdp", OFFER).put("rotation_token", "rt1.forged.sig")), 401,
        "session_expired");
    // another user's handle
    String adasHandle = call("eve-victim", "v1", new JsonObject().put("sdp", OFFER)).json().getString("rotation_token");
    int afterVictim = offersSeen.size();
    assertBad(call("mallory", "v1", new JsonObject().put("sdp", OFFER).put("rotation_token", adasHandle)), 403,
        "forbidden");
    assertBad(call("eve-victim", "other-device", new JsonObject().put("sdp", OFFER).put("rotation_token", adasHandle)),
        403, "forbidden");

    assertThat(afterVictim).isEqualTo(offersBefore + 1);
    assertThat(offersSeen).as("no refused offer reached upstream").hasSize(afterVictim);
    List<EventEnvelope> denied = events(EventType.TOKEN_DENIED, "mallory", 2);
    assertThat(denied).anySatisfy(e -> {
      assertThat(e.payload().getString("operation")).isEqualTo("call");
      assertThat(e.payload().getString("reason")).isEqualTo("forbidden");
    });
  }

  private static void assertBad(Http.Response r, int status, String code) {
    assertThat(r.status()).as(r.body()).isEqualTo(status);
    assertThat(r.error().getString("code")).isEqualTo(code);
    assertThat(r.header("content-type")).startsWith("application/json");
  }

  @Test
  void upstreamFailuresAreMappedAsIssuanceMapsThemAndOnlyWhatCreatedNothingIsRetried() {
    // a 5xx may have created a call: not retried, so the second fault is still queued
    callFault(500, 2, 0);
    Http.Response failed = call("grace", "g1", new JsonObject().put("sdp", OFFER));
    assertThat(failed.status()).isEqualTo(502);
    assertThat(failed.error().getString("code")).isEqualTo("upstream_error");
    assertThat(pendingFaults()).isEqualTo(1);
    assertThat(call("grace", "g2", new JsonObject().put("sdp", OFFER)).status()).isEqualTo(502);
    assertThat(pendingFaults()).isZero();

    // a 429 created nothing: retried, and the call is made
    callFault(429, 1, 0);
    Http.Response retried = call("grace", "g3", new JsonObject().put("sdp", OFFER));
    assertThat(retried.status()).isEqualTo(201);
    assertThat(pendingFaults()).isZero();

    // our API key refused: 502 upstream_auth_rejected and token.upstream_rejected for the operators
    callFault(401, 1, 0);
    Http.Response auth = call("grace", "g4", new JsonObject().put("sdp", OFFER));
    assertThat(auth.status()).isEqualTo(502);
    assertThat(auth.error().getString("code")).isEqualTo("upstream_auth_rejected");
    assertThat(auth.body()).doesNotContain(TokenServiceHarness.API_KEY);
    EventEnvelope rejected = events(EventType.TOKEN_UPSTREAM_REJECTED, "grace", 1).get(0);
    assertThat(rejected.payload().getString("operation")).isEqualTo("call");
    assertThat(rejected.payload().getInteger("status")).isEqualTo(401);

    // upstream refused the offer: the client's fault, a 400 (a hostile offer moves no 5xx rate)
    callFault(400, 1, 0);
    Http.Response refusedOffer = call("grace", "g5", new JsonObject().put("sdp", OFFER));
    assertThat(refusedOffer.status()).isEqualTo(400);
    assertThat(refusedOffer.error().getString("code")).isEqualTo("offer_rejected");

    // silence past the attempt's timeout (500 ms here): 504, and not sent again (the call may exist)
    callFault(0, 2, 1_500);
    Http.Response timedOut = call("grace", "g6", new JsonObject().put("sdp", OFFER));
    assertThat(timedOut.status()).isEqualTo(504);
    assertThat(timedOut.error().getString("code")).isEqualTo("upstream_timeout");
    assertThat(pendingFaults()).as("one attempt only").isEqualTo(1);
    Http.Response slowButMade = call("grace", "g7", new JsonObject().put("sdp", OFFER));
    assertThat(slowButMade.status()).as("the queued delay is taken by the next call").isIn(201, 504);
  }

  @Test
  void callsShareTheIssuanceRateLimitsAndAreDeniedWithAnEvent() {
    // the device's burst of 3 is shared: two issuances and one call spend it
    assertThat(h.issue("kim", "kim-phone", null).status()).isEqualTo(201);
    assertThat(h.issue("kim", "kim-phone", null).status()).isEqualTo(201);
    assertThat(call("kim", "kim-phone", new JsonObject().put("sdp", OFFER)).status()).isEqualTo(201);
    int offers = offersSeen.size();
    Http.Response limited = call("kim", "kim-phone", new JsonObject().put("sdp", OFFER));
    assertThat(limited.status()).isEqualTo(429);
    assertThat(limited.error().getString("code")).isEqualTo("rate_limited");
    assertThat(limited.error().getLong("retry_after_ms")).isBetween(1L, 10_000L);
    assertThat(limited.header("Retry-After")).isNotNull();
    assertThat(offersSeen).as("nothing sent upstream").hasSize(offers);
    // another device of the same user is not affected
    assertThat(call("kim", "kim-laptop", new JsonObject().put("sdp", OFFER)).status()).isEqualTo(201);

    EventEnvelope denied = events(EventType.TOKEN_DENIED, "kim", 1).get(0);
    assertThat(denied.payload().getString("operation")).isEqualTo("call");
    assertThat(denied.payload().getString("reason")).isEqualTo("rate_limited");
    assertThat(denied.payload().getString("detail")).isEqualTo("device");
    assertThat(denied.sessionId()).as("the session this call would have begun does not exist").isNull();
  }
}
