package dev.rtvoice.common.http;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

/**
 * Strict reading of request bodies and their fields. Every failure is a 400 that names the field, so
 * bad input never reaches a domain object and never turns into a 500.
 */
public final class JsonBodies {
  private JsonBodies() {}

  /** The body as a JSON object; an absent body is an empty object when {@code optional}. */
  public static JsonObject object(RoutingContext ctx, boolean optional) {
    Buffer body = ctx.body().buffer();
    if (body == null || body.length() == 0) {
      if (optional) {
        return new JsonObject();
      }
      throw new ApiException(400, "invalid_json", "a JSON object body is required");
    }
    if (firstNonBlank(body) != '{') {
      throw new ApiException(400, "invalid_json", "request body must be a JSON object");
    }
    try {
      return new JsonObject(body);
    } catch (DecodeException | ClassCastException e) {
      throw new ApiException(400, "invalid_json", "request body is not valid JSON");
    }
  }

  private static int firstNonBlank(Buffer body) {
    for (int i = 0; i < body.length(); i++) {
      byte b = body.getByte(i);
      if (b != ' ' && b != '\n' && b != '\r' && b != '\t') {
        return b;
      }
    }
    return -1;
  }

  public static String requiredString(JsonObject json, String field) {
    String value = optionalString(json, field);
    if (value == null || value.isEmpty()) {
      throw ApiException.badRequest(field, "is required");
    }
    return value;
  }

  public static String optionalString(JsonObject json, String field) {
    Object value = json.getValue(field);
    if (value == null) {
      return null;
    }
    if (!(value instanceof String s)) {
      throw ApiException.badRequest(field, "must be a string");
    }
    return s;
  }

  public static Long optionalLong(JsonObject json, String field) {
    Object value = json.getValue(field);
    if (value == null) {
      return null;
    }
    if (!(value instanceof Integer || value instanceof Long)) {
      throw ApiException.badRequest(field, "must be an integer");
    }
    return ((Number) value).longValue();
  }

  public static Double optionalNumber(JsonObject json, String field) {
    Object value = json.getValue(field);
    if (value == null) {
      return null;
    }
    if (!(value instanceof Number n)) {
      throw ApiException.badRequest(field, "must be a number");
    }
    return n.doubleValue();
  }

  public static Boolean optionalBoolean(JsonObject json, String field) {
    Object value = json.getValue(field);
    if (value == null) {
      return null;
    }
    if (!(value instanceof Boolean b)) {
      throw ApiException.badRequest(field, "must be true or false");
    }
    return b;
  }

  public static JsonObject optionalObject(JsonObject json, String field) {
    Object value = json.getValue(field);
    if (value == null) {
      return null;
    }
    if (!(value instanceof JsonObject o)) {
      throw ApiException.badRequest(field, "must be an object");
    }
    return o;
  }

  public static JsonArray requiredArray(JsonObject json, String field) {
    Object value = json.getValue(field);
    if (value == null) {
      throw ApiException.badRequest(field, "is required");
    }
    if (!(value instanceof JsonArray a)) {
      throw ApiException.badRequest(field, "must be an array");
    }
    return a;
  }
}
