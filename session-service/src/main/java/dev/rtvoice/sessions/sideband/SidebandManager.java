package dev.rtvoice.sessions.sideband;

import dev.rtvoice.sessions.config.UpstreamSettings;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server-side WebSocket to upstream for each owned session whose call id is known (OpenAI's
 * "sideband" connection, {@code /v1/realtime?call_id=...} with the server's API key). It stays open
 * for the session's life, reconnecting with jittered exponential backoff when it drops, carries the
 * service's own {@code response.cancel} on interrupt, and hands every event it receives to the
 * listener (which feeds it back into the session as a command). A new call id moves it to the new call
 * (the old link is closed). A call upstream ended at its cap ({@code session_expired}) is not
 * reconnected to; a close at the cap without that error is handed to the listener as one.
 *
 * <p>Confined to the owner's event loop. The API key goes into the handshake header and nowhere else.
 */
public final class SidebandManager {
  private static final Logger LOG = LoggerFactory.getLogger(SidebandManager.class);
  private static final String SESSION_EXPIRED = "session_expired";

  /** Receives what upstream sends on a session's sideband. */
  @FunctionalInterface
  public interface Listener {
    void onUpstreamEvent(String sessionId, JsonObject event, long receivedAtMs);
  }

  private final Vertx vertx;
  private final UpstreamSettings settings;
  private final Clock clock;
  private final Listener listener;
  private final WebSocketClient client;
  private final Map<String, Link> links = new HashMap<>();
  private final AtomicInteger open = new AtomicInteger();
  private final MeterRegistry registry;
  private final Counter received;
  private final Counter dropped;

  public SidebandManager(Vertx vertx, UpstreamSettings settings, Clock clock, Listener listener,
                         MeterRegistry registry) {
    this.vertx = vertx;
    this.settings = settings;
    this.clock = clock;
    this.listener = listener;
    this.registry = registry;
    this.client = vertx.createWebSocketClient(new WebSocketClientOptions()
        .setMaxConnections(settings.maxConnections())
        .setConnectTimeout(10_000)
        .setMaxMessageSize(4 * 1024 * 1024)
        .setMaxFrameSize(1024 * 1024)
        .setTcpNoDelay(true)
        .setVerifyHost(true));
    Gauge.builder("session_sideband_connections", open, AtomicInteger::get)
        .description("Open sideband WebSockets to upstream").register(registry);
    this.received = Counter.builder("session_sideband_events_received_total")
        .description("Upstream events received on sideband connections").register(registry);
    this.dropped = Counter.builder("session_sideband_events_unreadable_total")
        .description("Sideband messages that were not JSON").register(registry);
  }

  public boolean enabled() {
    return settings.sidebandEnabled();
  }

  /** Keeps a sideband to {@code callId} for the session (moving it if the call changed). */
  public void attach(String sessionId, String callId) {
    if (!enabled()) {
      return;
    }
    Link link = links.get(sessionId);
    if (link != null) {
      if (link.callId.equals(callId)) {
        return;
      }
      link.close();
    }
    link = new Link(sessionId, callId);
    links.put(sessionId, link);
    link.connect();
  }

  public void detach(String sessionId) {
    Link link = links.remove(sessionId);
    if (link != null) {
      link.close();
    }
  }

  public boolean isOpen(String sessionId) {
    Link link = links.get(sessionId);
    return link != null && link.ws != null && !link.ws.isClosed();
  }

  public int linkCount() {
    return links.size();
  }

  /**
   * Sends {@code response.cancel} on the session's sideband; fails when there is none or the write
   * fails (then the interrupt relies on the client's own cancel).
   */
  public Future<Void> cancel(String sessionId, String interruptId, String responseId) {
    Link link = links.get(sessionId);
    if (link == null || link.ws == null || link.ws.isClosed()) {
      count("cancels", "no_connection");
      return Future.failedFuture("no open sideband");
    }
    JsonObject cancel = new JsonObject().put("type", "response.cancel").put("event_id", "evt_cancel_" + interruptId);
    if (responseId != null) {
      cancel.put("response_id", responseId);
    }
    return link.ws.writeTextMessage(cancel.encode())
        .onSuccess(v -> count("cancels", "sent"))
        .onFailure(e -> count("cancels", "write_failed"));
  }

  /** Closes every connection (graceful stop, or the owner losing all its partitions). */
  public Future<Void> closeAll() {
    List<Future<Void>> closing = new ArrayList<>();
    for (Link link : new ArrayList<>(links.values())) {
      closing.add(link.close());
    }
    links.clear();
    return Future.join(closing).transform(ar -> client.close());
  }

  private void count(String what, String result) {
    Counter.builder("session_sideband_" + what + "_total").tag("result", result).register(registry).increment();
  }

  /** One session's connection and its reconnect schedule. */
  private final class Link {
    final String sessionId;
    final String callId;
    WebSocket ws;
    int failures;
    long timer = -1;
    boolean closed;
    /** Audio deltas after a response's first one carry nothing the machine needs. */
    String audioSeenFor;
    /** Upstream said the call hit its maximum duration: it refuses new connections, so no reconnect. */
    boolean expired;

    Link(String sessionId, String callId) {
      this.sessionId = sessionId;
      this.callId = callId;
    }

    void connect() {
      timer = -1;
      if (closed) {
        return;
      }
      WebSocketConnectOptions options = new WebSocketConnectOptions()
          .setAbsoluteURI(settings.sidebandUrl(callId))
          .addHeader("Authorization", "Bearer " + settings.apiKey().orElseThrow())
          .setTimeout(10_000);
      client.connect(options).map(socket -> {
        // handlers first, synchronously: nothing upstream sends right away may be lost
        if (closed) {
          socket.close();
          return socket;
        }
        ws = socket;
        socket.textMessageHandler(this::onText);
        socket.closeHandler(v -> onClosed());
        socket.exceptionHandler(e -> LOG.debug("sideband {} error: {}", callId, e.toString()));
        open.incrementAndGet();
        failures = 0;
        count("connects", "ok");
        return socket;
      }).onFailure(e -> {
        count("connects", "failed");
        LOG.debug("sideband to call {} failed: {}", callId, e.toString());
        retry();
      });
    }

    void onText(String text) {
      JsonObject event;
      try {
        event = new JsonObject(text);
      } catch (DecodeException | ClassCastException e) {
        dropped.increment();
        return;
      }
      received.increment();
      String type = event.getValue("type") instanceof String t ? t : "";
      if (type.equals("response.output_audio.delta") || type.equals("response.audio.delta")) {
        String rid = event.getValue("response_id") instanceof String r ? r : null;
        if (rid != null && rid.equals(audioSeenFor)) {
          return;
        }
        audioSeenFor = rid;
      }
      if (type.equals("error") && event.getValue("error") instanceof JsonObject error
          && SESSION_EXPIRED.equals(error.getValue("code"))) {
        expired = true;
      }
      listener.onUpstreamEvent(sessionId, event, clock.millis());
    }

    void onClosed() {
      open.decrementAndGet();
      WebSocket socket = ws;
      ws = null;
      String reason = socket == null ? null : socket.closeReason();
      if (!expired && reason != null && reason.toLowerCase(java.util.Locale.ROOT).contains("expired")) {
        // closed at the cap without the error event (lost, or an upstream that only closes): the
        // machine hears of it all the same, as upstream's own session_expired error
        expired = true;
        listener.onUpstreamEvent(sessionId, new JsonObject().put("type", "error")
            .put("error", new JsonObject().put("code", SESSION_EXPIRED).put("message", reason)), clock.millis());
      }
      if (expired) {
        count("drops", "session_expired");
        return;
      }
      if (!closed) {
        count("drops", "closed");
        retry();
      }
    }

    void retry() {
      if (closed) {
        return;
      }
      long min = settings.backoffMin().toMillis();
      long max = settings.backoffMax().toMillis();
      long base = Math.min(max, min << Math.min(failures, 20));
      failures++;
      long delay = Math.max(1, (long) (base * (0.8 + 0.4 * ThreadLocalRandom.current().nextDouble())));
      timer = vertx.setTimer(delay, t -> connect());
    }

    Future<Void> close() {
      closed = true;
      if (timer >= 0) {
        vertx.cancelTimer(timer);
      }
      WebSocket socket = ws;
      return socket == null || socket.isClosed() ? Future.succeededFuture() : socket.close();
    }
  }
}
