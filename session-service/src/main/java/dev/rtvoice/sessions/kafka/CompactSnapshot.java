package dev.rtvoice.sessions.kafka;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A snapshot as the read view stores it. Most fields of an idle session hold null, 0, false, "" or an
 * empty list (no interrupt, no response, eighteen zero counters); those are left out of the stored
 * bytes, and the field order with the left-out values is kept once in a {@link Shape} that every
 * snapshot of the same form shares. {@link #json} puts them back: the JSON read is the JSON written,
 * field for field and in the same order.
 */
final class CompactSnapshot {
  /** Forms seen so far; bounded, so that unusual snapshots cannot grow it (they keep a shape of their own). */
  private static final int MAX_SHAPES = 1_024;
  private static final Map<Shape, Shape> SHAPES = new ConcurrentHashMap<>();

  /** What a field left out held. */
  private enum Fill { KEPT, NULL, FALSE, EMPTY_STRING, EMPTY_LIST }

  /** One field: its name, and the value left out ({@link Fill}, a zero number or a nested shape). */
  record Slot(String key, Object fill) {}

  /** A JSON object's field order and left-out values. */
  record Shape(List<Slot> slots) {}

  /** The bytes to store and their shape. */
  record Stored(byte[] bytes, Shape shape) {}

  private CompactSnapshot() {}

  static Stored of(Map<String, Object> snapshot) {
    Map<String, Object> kept = new LinkedHashMap<>();
    Shape shape = compact(snapshot, kept);
    return new Stored(new JsonObject(kept).toBuffer().getBytes(), shape);
  }

  static JsonObject json(byte[] bytes, Shape shape) {
    return new JsonObject(restore(new JsonObject(Buffer.buffer(bytes)).getMap(), shape));
  }

  private static Shape compact(Map<String, Object> in, Map<String, Object> kept) {
    List<Slot> slots = new ArrayList<>(in.size());
    for (Map.Entry<String, Object> e : in.entrySet()) {
      Object v = e.getValue();
      if (v instanceof JsonObject o) {
        v = o.getMap();
      } else if (v instanceof JsonArray a) {
        v = a.getList();
      }
      Object fill = fillOf(v);
      if (fill == Fill.KEPT && v instanceof Map<?, ?> nested) {
        Map<String, Object> nestedKept = new LinkedHashMap<>();
        @SuppressWarnings("unchecked")
        Shape nestedShape = compact((Map<String, Object>) nested, nestedKept);
        fill = nestedShape;
        if (!nestedKept.isEmpty()) {
          kept.put(e.getKey(), nestedKept);
        }
      } else if (fill == Fill.KEPT) {
        kept.put(e.getKey(), v);
      }
      slots.add(new Slot(e.getKey(), fill));
    }
    return intern(new Shape(List.copyOf(slots)));
  }

  private static Object fillOf(Object v) {
    if (v == null) {
      return Fill.NULL;
    }
    if (Boolean.FALSE.equals(v)) {
      return Fill.FALSE;
    }
    if (v instanceof String s && s.isEmpty()) {
      return Fill.EMPTY_STRING;
    }
    if (v instanceof List<?> l && l.isEmpty()) {
      return Fill.EMPTY_LIST;
    }
    // the number's type is kept (Integer or Long), so the value read back is the value written
    if ((v instanceof Integer i && i == 0) || (v instanceof Long l && l == 0L)) {
      return v;
    }
    return Fill.KEPT;
  }

  private static Map<String, Object> restore(Map<String, Object> kept, Shape shape) {
    Map<String, Object> out = new LinkedHashMap<>(shape.slots().size() * 2);
    for (Slot slot : shape.slots()) {
      Object fill = slot.fill();
      Object value;
      if (fill == Fill.KEPT) {
        value = kept.get(slot.key());
      } else if (fill instanceof Shape nested) {
        Object k = kept.get(slot.key());
        @SuppressWarnings("unchecked")
        Map<String, Object> nestedKept = k == null ? Map.of()
            : k instanceof JsonObject o ? o.getMap() : (Map<String, Object>) k;
        value = restore(nestedKept, nested);
      } else if (fill == Fill.NULL) {
        value = null;
      } else if (fill == Fill.FALSE) {
        value = Boolean.FALSE;
      } else if (fill == Fill.EMPTY_STRING) {
        value = "";
      } else if (fill == Fill.EMPTY_LIST) {
        value = new ArrayList<>(); // a new one each time: a reader may add to it
      } else {
        value = fill; // a zero Integer or Long
      }
      out.put(slot.key(), value);
    }
    return out;
  }

  private static Shape intern(Shape shape) {
    Shape held = SHAPES.get(shape);
    if (held != null) {
      return held;
    }
    if (SHAPES.size() >= MAX_SHAPES) {
      return shape;
    }
    held = SHAPES.putIfAbsent(shape, shape);
    return held == null ? shape : held;
  }
}
