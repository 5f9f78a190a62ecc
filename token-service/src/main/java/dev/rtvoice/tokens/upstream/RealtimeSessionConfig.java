package dev.rtvoice.tokens.upstream;

import dev.rtvoice.tokens.domain.SessionSettings;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * The {@code session} object upstream gets, whether it mints a client secret for it or creates a call
 * with it: the user's model and voice, and the server's own instructions and tools (never the client's).
 */
public final class RealtimeSessionConfig {
  private RealtimeSessionConfig() {}

  public static JsonObject of(SessionSettings settings, String instructions, JsonArray tools) {
    JsonObject session = new JsonObject()
        .put("type", "realtime")
        .put("model", settings.model())
        .put("audio", new JsonObject().put("output", new JsonObject().put("voice", settings.voice())));
    if (instructions != null) {
      session.put("instructions", instructions);
    }
    if (!tools.isEmpty()) {
      session.put("tools", tools.copy());
    }
    return session;
  }
}
