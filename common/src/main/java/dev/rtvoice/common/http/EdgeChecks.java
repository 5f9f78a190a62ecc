package dev.rtvoice.common.http;

import io.vertx.core.http.HttpServerRequest;
import java.util.Locale;

/**
 * What every request must pass before it reaches a router, so that no route has to defend against
 * it: a URI whose percent-encoding decodes (Vert.x throws when a handler reads a query parameter
 * like {@code ?state=%ZZ}), and a body that is not a form. No route of the suite takes a form, and
 * Vert.x's body handler decodes one whenever the content type says so, failing in ways that are not
 * the client's JSON error (a GET with a multipart type, a form field too long, a request left hanging).
 */
final class EdgeChecks {
  /** Why a request is refused here; null when it may go on. */
  record Refusal(int status, String code, String message) {}

  private EdgeChecks() {}

  static Refusal check(HttpServerRequest request) {
    if (!percentEncodingDecodes(request.uri())) {
      return new Refusal(400, "invalid_request", "the request URI has a '%' not followed by two hex digits");
    }
    String type = request.getHeader("Content-Type");
    if (type != null && isForm(type)) {
      return new Refusal(415, "unsupported_media_type", "form bodies are not accepted: send application/json");
    }
    return null;
  }

  static boolean percentEncodingDecodes(String uri) {
    for (int i = uri.indexOf('%'); i >= 0; i = uri.indexOf('%', i + 1)) {
      if (i + 2 >= uri.length() || !isHex(uri.charAt(i + 1)) || !isHex(uri.charAt(i + 2))) {
        return false;
      }
    }
    return true;
  }

  private static boolean isHex(char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
  }

  private static boolean isForm(String contentType) {
    String type = contentType.toLowerCase(Locale.ROOT).trim();
    return type.startsWith("multipart/") || type.startsWith("application/x-www-form-urlencoded");
  }
}
