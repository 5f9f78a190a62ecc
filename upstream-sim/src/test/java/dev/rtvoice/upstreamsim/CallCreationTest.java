package dev.rtvoice.upstreamsim;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.multipart.MultipartForm;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** POST /v1/realtime/calls: the offer relayed to a media peer, the answer returned with the call id in Location. */
class CallCreationTest {
  private static final String OFFER = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n";
  private static final String ANSWER = "v=0\r\no=- 3 4 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n";

  private SimHarness sim;
  private HttpServer peer;
  private final List<String[]> offers = new CopyOnWriteArrayList<>();
  private final AtomicInteger peerStatus = new AtomicInteger(200);

  @BeforeEach
  void start() throws Exception {
    sim = new SimHarness(Map.of());
    // the media peer: records what it was asked, answers with a fixed SDP (or a failure)
    peer = sim.vertx.createHttpServer().requestHandler(req -> req.body().onSuccess(body -> {
      offers.add(new String[] {req.getHeader("x-call-id"), req.getHeader("content-type"), body.toString()});
      req.response().setStatusCode(peerStatus.get()).putHeader("content-type", "application/sdp").end(ANSWER);
    })).listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
  }

  @AfterEach
  void stop() throws Exception {
    sim.close();
  }

  private void registerPeer() throws Exception {
    var r = sim.admin(HttpMethod.PUT, "/admin/media-peer",
        new JsonObject().put("url", "http://127.0.0.1:" + peer.actualPort() + "/answer"));
    assertThat(r.statusCode()).isEqualTo(200);
  }

  private HttpResponse<Buffer> postOffer(String key, String contentType, String body) throws Exception {
    var request = sim.request(HttpMethod.POST, "/v1/realtime/calls").putHeader("content-type", contentType);
    if (key != null) {
      request.bearerTokenAuthentication(key);
    }
    return request.sendBuffer(Buffer.buffer(body)).await(10, TimeUnit.SECONDS);
  }

  private String ephemeralKey() throws Exception {
    return sim.post("/v1/realtime/client_secrets", SimHarness.KEY, new JsonObject()).bodyAsJsonObject().getString("value");
  }

  @Test
  void aBrowserOfferWithAClientSecretCreatesTheCallAndGetsTheAnswerAndTheCallId() throws Exception {
    registerPeer();
    HttpResponse<Buffer> r = postOffer(ephemeralKey(), "application/sdp", OFFER);
    assertThat(r.statusCode()).isEqualTo(201);
    assertThat(r.getHeader("content-type")).isEqualTo("application/sdp");
    assertThat(r.bodyAsString()).isEqualTo(ANSWER);
    String location = r.getHeader("location");
    assertThat(location).matches("/v1/realtime/calls/rtc_[A-Za-z0-9]{24}");
    assertThat(r.getHeader("access-control-expose-headers")).contains("Location");
    String callId = location.substring(location.lastIndexOf('/') + 1);
    assertThat(offers).hasSize(1);
    assertThat(offers.get(0)[0]).isEqualTo(callId);
    assertThat(offers.get(0)[1]).isEqualTo("application/sdp");
    assertThat(offers.get(0)[2]).isEqualTo(OFFER);

    // the server attaches its sideband with that id; the call is the one created
    SimHarness.Sideband sideband = sim.sideband(callId, SimHarness.KEY);
    assertThat(sideband.next().getString("type")).isEqualTo("session.created");
    assertThat(sim.admin(HttpMethod.GET, "/admin/calls/" + callId, null).bodyAsJsonObject().getInteger("connections"))
        .isEqualTo(1);
    assertThat(sim.post("/v1/realtime/calls/" + callId + "/hangup", SimHarness.KEY, null).statusCode()).isEqualTo(200);
  }

  @Test
  void aServerCreatesTheCallWithTheApiKeyAsMultipart() throws Exception {
    registerPeer();
    MultipartForm form = MultipartForm.create().attribute("sdp", OFFER)
        .attribute("session", new JsonObject().put("type", "realtime").put("model", "gpt-realtime").encode());
    HttpResponse<Buffer> r = sim.request(HttpMethod.POST, "/v1/realtime/calls").bearerTokenAuthentication(SimHarness.KEY)
        .sendMultipartForm(form).await(10, TimeUnit.SECONDS);
    assertThat(r.statusCode()).isEqualTo(201);
    assertThat(r.getHeader("location")).startsWith("/v1/realtime/calls/rtc_");
    assertThat(offers.get(0)[2]).isEqualTo(OFFER);

    MultipartForm badSession = MultipartForm.create().attribute("sdp", OFFER).attribute("session", "{not json");
    var refused = sim.request(HttpMethod.POST, "/v1/realtime/calls").bearerTokenAuthentication(SimHarness.KEY)
        .sendMultipartForm(badSession).await(10, TimeUnit.SECONDS);
    assertThat(refused.statusCode()).isEqualTo(400);
    assertThat(offers).hasSize(1);
  }

  @Test
  void injectedCallFaultsHitOnlyAServersCreationAndAFilePartIsNeverStored() throws Exception {
    registerPeer();
    assertThat(sim.admin(HttpMethod.POST, "/admin/faults", new JsonObject().put("target", "calls").put("status", 503)
        .put("count", 1)).statusCode()).isEqualTo(201);
    assertThat(sim.admin(HttpMethod.POST, "/admin/faults", new JsonObject().put("target", "any").put("status", 500)
        .put("count", 1)).statusCode()).isEqualTo(201);
    MultipartForm form = MultipartForm.create().attribute("sdp", OFFER);
    var failed = sim.request(HttpMethod.POST, "/v1/realtime/calls").bearerTokenAuthentication(SimHarness.KEY)
        .sendMultipartForm(form).await(10, TimeUnit.SECONDS);
    assertThat(failed.statusCode()).as("the 'calls' fault").isEqualTo(503);
    assertThat(offers).as("a failed creation asks no media peer").isEmpty();
    // "any" stays with the secret endpoints, as before call faults existed
    var created = sim.request(HttpMethod.POST, "/v1/realtime/calls").bearerTokenAuthentication(SimHarness.KEY)
        .sendMultipartForm(form).await(10, TimeUnit.SECONDS);
    assertThat(created.statusCode()).isEqualTo(201);
    assertThat(sim.post("/v1/realtime/client_secrets", SimHarness.KEY, new JsonObject()).statusCode()).isEqualTo(500);

    // a part sent as a file is dropped (no uploads directory written), and without an sdp field it is no offer
    java.nio.file.Path upload = java.nio.file.Files.createTempFile("offer", ".sdp");
    java.nio.file.Files.writeString(upload, OFFER);
    MultipartForm asFile = MultipartForm.create().textFileUpload("sdp", "offer.sdp", upload.toString(),
        "application/sdp");
    var refused = sim.request(HttpMethod.POST, "/v1/realtime/calls").bearerTokenAuthentication(SimHarness.KEY)
        .sendMultipartForm(asFile).await(10, TimeUnit.SECONDS);
    assertThat(refused.statusCode()).isEqualTo(400);
    assertThat(new java.io.File("file-uploads")).as("BodyHandler's default upload directory").doesNotExist();
    java.nio.file.Files.delete(upload);
  }

  @Test
  void refusedBeforeAnythingIsCreated() throws Exception {
    registerPeer();
    assertThat(postOffer(null, "application/sdp", OFFER).statusCode()).isEqualTo(401);
    assertThat(postOffer("ek_forged", "application/sdp", OFFER).statusCode()).isEqualTo(401);
    String ek = ephemeralKey();
    var notSdp = postOffer(ek, "application/sdp", "hello");
    assertThat(notSdp.statusCode()).isEqualTo(400);
    assertThat(notSdp.bodyAsJsonObject().getJsonObject("error").getString("code")).isEqualTo("invalid_offer");
    assertThat(postOffer(ek, "application/sdp", OFFER + "a=x\r\n".repeat(10_000)).statusCode())
        .as("an offer far larger than any SDP").isIn(400, 413);
    assertThat(postOffer(ek, "text/plain", OFFER).bodyAsJsonObject().getJsonObject("error").getString("code"))
        .isEqualTo("unsupported_content_type");
    assertThat(offers).as("the media peer was never asked").isEmpty();
    assertThat(sim.admin(HttpMethod.GET, "/admin/state", null).bodyAsJsonObject().getJsonArray("calls")).isEmpty();
  }

  @Test
  void withoutAMediaPeerOrWithAFailingOneTheCallerIsToldAndNoCallIsLeftRunning() throws Exception {
    String ek = ephemeralKey();
    var none = postOffer(ek, "application/sdp", OFFER);
    assertThat(none.statusCode()).isEqualTo(503);
    assertThat(none.bodyAsJsonObject().getJsonObject("error").getString("code")).isEqualTo("media_peer_not_configured");

    registerPeer();
    peerStatus.set(500);
    var failed = postOffer(ek, "application/sdp", OFFER);
    assertThat(failed.statusCode()).isEqualTo(502);
    String callId = offers.get(0)[0];
    assertThat(sim.admin(HttpMethod.GET, "/admin/calls/" + callId, null).bodyAsJsonObject().getString("ended"))
        .isEqualTo("media_peer_failed");

    assertThat(sim.admin(HttpMethod.PUT, "/admin/media-peer", new JsonObject().put("url", "file:///etc/passwd"))
        .statusCode()).isEqualTo(400);
    assertThat(sim.admin(HttpMethod.PUT, "/admin/media-peer", new JsonObject().put("url", "not a url")).statusCode())
        .isEqualTo(400);
    assertThat(sim.admin(HttpMethod.PUT, "/admin/media-peer", new JsonObject().putNull("url")).bodyAsJsonObject()
        .getValue("url")).isNull();
  }

  @Test
  void browsersMayCallItCrossOrigin() throws Exception {
    var preflight = sim.request(HttpMethod.OPTIONS, "/v1/realtime/calls").putHeader("origin", "http://app.example")
        .putHeader("access-control-request-method", "POST").send().await(10, TimeUnit.SECONDS);
    assertThat(preflight.statusCode()).isEqualTo(204);
    assertThat(preflight.getHeader("access-control-allow-origin")).isEqualTo("*");
    assertThat(preflight.getHeader("access-control-allow-headers")).contains("authorization").contains("content-type");
  }
}
