package dev.rtvoice.common.event.payload;

import dev.rtvoice.common.event.InvalidEventException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * The strict readers every payload codec shares, so that one kind of mistake gets one wording: an
 * {@link InvalidEventException} naming {@code payload.<field>}.
 */
final class Fields {
  private Fields() {}

  static String field(String name) {
    return "payload." + name;
  }

  static String text(JsonObject p, String name) {
    if (!(p.getValue(name) instanceof String s) || s.isEmpty()) {
      throw new InvalidEventException(field(name), "must be a non-empty string");
    }
    return s;
  }

  /** Null when absent; a present value must be a string. */
  static String optionalText(JsonObject p, String name) {
    Object value = p.getValue(name);
    if (value != null && !(value instanceof String)) {
      throw new InvalidEventException(field(name), "must be a string");
    }
    return (String) value;
  }

  static long integer(JsonObject p, String name) {
    Object value = p.getValue(name);
    if (!(value instanceof Integer || value instanceof Long)) {
      throw new InvalidEventException(field(name), "must be an integer");
    }
    return ((Number) value).longValue();
  }

  /** Null when absent; a present value must be an integer. */
  static Long optionalInteger(JsonObject p, String name) {
    Object value = p.getValue(name);
    if (value == null) {
      return null;
    }
    if (!(value instanceof Integer || value instanceof Long)) {
      throw new InvalidEventException(field(name), "must be an integer");
    }
    return ((Number) value).longValue();
  }

  /** An integer that fits an {@code int}. */
  static int int32(JsonObject p, String name) {
    return toInt(integer(p, name), name);
  }

  /** Null when absent; a present value must be an integer that fits an {@code int}. */
  static Integer optionalInt32(JsonObject p, String name) {
    Long v = optionalInteger(p, name);
    return v == null ? null : toInt(v, name);
  }

  private static int toInt(long v, String name) {
    if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
      throw new InvalidEventException(field(name), "out of range");
    }
    return (int) v;
  }

  static long number(JsonObject p, String name) {
    if (!(p.getValue(name) instanceof Number n)) {
      throw new InvalidEventException(field(name), "must be a number");
    }
    return n.longValue();
  }

  /** Null when absent; a present value must be a number. */
  static Double optionalNumber(JsonObject p, String name) {
    Object value = p.getValue(name);
    if (value == null) {
      return null;
    }
    if (!(value instanceof Number n)) {
      throw new InvalidEventException(field(name), "must be a number");
    }
    return n.doubleValue();
  }

  static boolean bool(JsonObject p, String name) {
    if (!(p.getValue(name) instanceof Boolean b)) {
      throw new InvalidEventException(field(name), "must be a boolean");
    }
    return b;
  }

  static JsonObject object(JsonObject p, String name) {
    if (!(p.getValue(name) instanceof JsonObject o)) {
      throw new InvalidEventException(field(name), "must be an object");
    }
    return o;
  }

  static JsonArray array(JsonObject p, String name) {
    if (!(p.getValue(name) instanceof JsonArray a)) {
      throw new InvalidEventException(field(name), "must be an array");
    }
    return a;
  }

  /** A JSON object of strings, in its order; {@code field} is the full name used in errors. */
  static Map<String, String> strings(JsonObject o, String field) {
    Map<String, String> out = new LinkedHashMap<>();
    for (Map.Entry<String, Object> e : o) {
      if (!(e.getValue() instanceof String s)) {
        throw new InvalidEventException(field + "." + e.getKey(), "must be a string");
      }
      out.put(e.getKey(), s);
    }
    return out;
  }

  /** Sorted by key, so that equal maps encode to equal bytes. */
  static JsonObject sorted(Map<String, String> map) {
    JsonObject out = new JsonObject();
    new TreeMap<>(map).forEach(out::put);
    return out;
  }
}
