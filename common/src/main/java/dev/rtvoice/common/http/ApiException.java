package dev.rtvoice.common.http;

import io.vertx.core.json.JsonObject;

/**
 * An error the API answers on purpose: its status, a stable machine-readable {@code code} that tells
 * the client what to do, and a message for people. Optional {@code details} are merged into the
 * error object (for example {@code retry_after_ms} or the current phase on a 409).
 */
public class ApiException extends RuntimeException {
  private final int status;
  private final String code;
  private final JsonObject details;

  public ApiException(int status, String code, String message) {
    this(status, code, message, null);
  }

  public ApiException(int status, String code, String message, JsonObject details) {
    super(message, null, false, false);
    this.status = status;
    this.code = code;
    this.details = details;
  }

  public static ApiException badRequest(String field, String message) {
    return new ApiException(400, "invalid_request", field + ": " + message, new JsonObject().put("field", field));
  }

  public static ApiException notFound(String message) {
    return new ApiException(404, "not_found", message);
  }

  public int status() {
    return status;
  }

  public String code() {
    return code;
  }

  public JsonObject details() {
    return details == null ? new JsonObject() : details.copy();
  }
}
