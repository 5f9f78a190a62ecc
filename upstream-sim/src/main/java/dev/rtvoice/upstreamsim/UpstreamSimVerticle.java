package dev.rtvoice.upstreamsim;

import dev.rtvoice.common.health.HealthRoutes;
import dev.rtvoice.common.http.JsonErrors;
import dev.rtvoice.upstreamsim.admin.AdminApi;
import dev.rtvoice.upstreamsim.config.SimConfig;
import dev.rtvoice.upstreamsim.faults.FaultInjector;
import dev.rtvoice.upstreamsim.realtime.CallsApi;
import dev.rtvoice.upstreamsim.realtime.MediaPeer;
import dev.rtvoice.upstreamsim.realtime.RealtimeCall;
import dev.rtvoice.upstreamsim.realtime.SidebandServer;
import dev.rtvoice.upstreamsim.secrets.ClientSecretApi;
import dev.rtvoice.upstreamsim.secrets.SecretStore;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.BodyHandler;
import java.time.Clock;
import java.time.Duration;
import java.util.List;

/**
 * The simulator: one HTTP server with the key endpoints, the sideband WebSocket and the admin API.
 * A single instance holds all state on its event loop, so no locking is needed.
 */
public final class UpstreamSimVerticle extends VerticleBase {
  private final SimConfig config;
  private final PrometheusMeterRegistry registry;
  private HttpServer server;

  public UpstreamSimVerticle(SimConfig config, PrometheusMeterRegistry registry) {
    this.config = config;
    this.registry = registry;
  }

  @Override
  public Future<?> start() {
    ApiKeyCheck apiKey = new ApiKeyCheck(config.apiKey());
    SecretStore secrets = new SecretStore(Clock.systemUTC());
    FaultInjector faults = new FaultInjector(config.responseLatency());
    RealtimeCall.SimTiming timing = new RealtimeCall.SimTiming() {
      @Override
      public Duration responseLatency() {
        return faults.responseLatency();
      }

      @Override
      public int audioDeltas() {
        return config.audioDeltas();
      }

      @Override
      public Duration deltaInterval() {
        return config.deltaInterval();
      }
    };
    ClientSecretApi secretApi = new ClientSecretApi(vertx, apiKey, secrets, faults);
    SidebandServer sideband = new SidebandServer(vertx, apiKey, secrets, timing, config.sessionMax());

    Router router = Router.router(vertx);
    // no file uploads: a multipart part sent as a file is dropped, never written to disk
    router.route().handler(BodyHandler.create(false).setBodyLimit(64 * 1024));
    secretApi.mount(router);
    MediaPeer mediaPeer = new MediaPeer(vertx);
    new CallsApi(vertx, apiKey, secrets, sideband, mediaPeer, faults).mount(router);
    new AdminApi(faults, secrets, sideband, secretApi, mediaPeer, config.responseLatency()).mount(router);
    HealthRoutes.mount(router, registry, List.of());
    JsonErrors.install(router);

    return vertx.createHttpServer(new HttpServerOptions().setHost(config.host()).setPort(config.port()))
        .webSocketHandshakeHandler(sideband::onHandshake)
        .webSocketHandler(ws -> { /* accepted in the handshake handler */ })
        .requestHandler(router)
        .listen()
        .onSuccess(s -> server = s);
  }

  /** The port actually bound (useful when configured as 0). */
  public int port() {
    return server.actualPort();
  }
}
