package dev.rtvoice.upstreamsim.realtime;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.net.URI;
import java.util.Optional;

/**
 * Where the simulator gets the SDP answer of a WebRTC call: it has no media stack of its own, so an
 * offer posted to {@code POST /v1/realtime/calls} is relayed to a registered media peer (a test's
 * in-browser upstream, for instance) as {@code POST <url>} with the offer as {@code application/sdp}
 * and the call id in {@code X-Call-Id}; the peer's 2xx text body is the answer. Registered through
 * {@code PUT /admin/media-peer}.
 */
public final class MediaPeer {
  static final long ANSWER_TIMEOUT_MS = 10_000;
  static final int MAX_ANSWER_BYTES = 64 * 1024;

  private final WebClient client;
  private URI url;

  public MediaPeer(Vertx vertx) {
    this.client = WebClient.create(vertx, new WebClientOptions().setConnectTimeout(5000).setMaxHeaderSize(8192));
  }

  /** Registers the peer (null forgets it); only absolute http(s) URLs. */
  public void register(String value) {
    if (value == null) {
      url = null;
      return;
    }
    URI parsed;
    try {
      parsed = URI.create(value);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("not a URL");
    }
    if (!("http".equals(parsed.getScheme()) || "https".equals(parsed.getScheme())) || parsed.getHost() == null) {
      throw new IllegalArgumentException("must be an absolute http(s) URL");
    }
    url = parsed;
  }

  public Optional<String> url() {
    return Optional.ofNullable(url).map(URI::toString);
  }

  /** The peer's answer to {@code offer} for {@code callId}; fails when none is registered or it does not answer. */
  public Future<String> answer(String callId, String offer) {
    URI target = url;
    if (target == null) {
      return Future.failedFuture(new IllegalStateException("no media peer registered"));
    }
    return client.postAbs(target.toString())
        .putHeader("content-type", "application/sdp")
        .putHeader("x-call-id", callId)
        .timeout(ANSWER_TIMEOUT_MS)
        .sendBuffer(Buffer.buffer(offer))
        .compose(r -> {
          if (r.statusCode() / 100 != 2 || r.body() == null || r.body().length() > MAX_ANSWER_BYTES) {
            return Future.failedFuture(new IllegalStateException("media peer answered " + r.statusCode()));
          }
          return Future.succeededFuture(r.bodyAsString());
        });
  }
}
