package dev.rtvoice.e2e.fuzz;

import dev.rtvoice.e2e.fuzz.Endpoint.Credential;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;

/** A process of the suite with an HTTP face, and every route it serves. */
record Target(String name, String host, int port, List<Endpoint> endpoints) {
  static Target of(String name, String url, List<Endpoint> routes) {
    URI uri = URI.create(url);
    List<Endpoint> all = new ArrayList<>(routes);
    all.addAll(Endpoint.operational());
    return new Target(name, uri.getHost(), uri.getPort(), List.copyOf(all));
  }

  static Target token(String url) {
    return of("token-service", url, List.of(
        Endpoint.post("/v1/sessions", Credential.USER_JWT, "{\"ttl_seconds\":120}"),
        Endpoint.post("/v1/sessions/{id}/rotate", Credential.USER_JWT, "{\"rotation_token\":\"{token}\"}")));
  }

  static Target session(String url) {
    return of("session-service", url, List.of(
        Endpoint.post("/v1/sessions/{id}/events", Credential.ROTATION_TOKEN,
            "{\"events\":[{\"type\":\"input_audio_buffer.speech_started\",\"seq\":1}]}"),
        Endpoint.post("/v1/sessions/{id}/interrupt", Credential.ROTATION_TOKEN, "{\"audio_end_ms\":1200}"),
        Endpoint.post("/v1/sessions/{id}/recover", Credential.ROTATION_TOKEN, "{\"reason\":\"network_lost\"}"),
        Endpoint.get("/v1/sessions/{id}", Credential.ROTATION_TOKEN),
        Endpoint.get("/v1/sessions?phase=idle&limit=5", Credential.OPERATOR)));
  }

  static Target metrics(String url) {
    return of("metrics-service", url, List.of(
        Endpoint.post("/v1/telemetry", Credential.ROTATION_TOKEN,
            "{\"session_id\":\"{id}\",\"samples\":[{\"stage\":\"first_audio\",\"value_ms\":420}]}"),
        Endpoint.get("/v1/latency/budget?window=5m", Credential.NONE),
        Endpoint.get("/v1/windows/status", Credential.NONE)));
  }

  static Target alerting(String url) {
    return of("alerting-service", url, List.of(
        Endpoint.get("/v1/alerts?state=firing", Credential.NONE),
        Endpoint.get("/v1/rules", Credential.NONE),
        Endpoint.get("/v1/rules/{id}", Credential.NONE)));
  }

  /** The console: its page and files, and its same-origin proxy in front of each service. */
  static Target console(String url) {
    return of("console", url, List.of(
        Endpoint.get("/", Credential.NONE),
        Endpoint.get("/console/{id}", Credential.NONE),
        Endpoint.get("/console/settings.json", Credential.NONE),
        Endpoint.get("/client/{id}", Credential.NONE),
        Endpoint.get("/client/index.js", Credential.NONE),
        Endpoint.post("/api/token/v1/sessions", Credential.USER_JWT, "{\"ttl_seconds\":120}"),
        Endpoint.post("/api/session/v1/sessions/{id}/events", Credential.ROTATION_TOKEN,
            "{\"events\":[{\"type\":\"input_audio_buffer.speech_started\",\"seq\":1}]}"),
        Endpoint.get("/api/session/v1/sessions", Credential.NONE),
        Endpoint.post("/api/metrics/v1/telemetry", Credential.ROTATION_TOKEN, "{\"samples\":[]}"),
        Endpoint.get("/api/alerting/v1/rules/{id}", Credential.NONE),
        Endpoint.get("/api/{id}/x", Credential.NONE)));
  }
}
