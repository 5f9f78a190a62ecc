package dev.rtvoice.alerting.domain;

import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * An immutable set of labels, sorted by name, with a cached hash. It is the identity of a series, of
 * a group of series and of an alert, so it is hashed and compared very often on the evaluation path.
 */
public final class LabelSet implements Comparable<LabelSet> {
  public static final LabelSet EMPTY = new LabelSet(new String[0], new String[0]);

  private final String[] names;
  private final String[] values;
  private final int hash;

  private LabelSet(String[] names, String[] values) {
    this.names = names;
    this.values = values;
    this.hash = 31 * Arrays.hashCode(names) + Arrays.hashCode(values);
  }

  public static LabelSet of(Map<String, String> labels) {
    if (labels.isEmpty()) {
      return EMPTY;
    }
    TreeMap<String, String> sorted = labels instanceof TreeMap<String, String> t && t.comparator() == null
        ? t : new TreeMap<>(labels);
    String[] n = new String[sorted.size()];
    String[] v = new String[sorted.size()];
    int i = 0;
    for (Map.Entry<String, String> e : sorted.entrySet()) {
      n[i] = e.getKey();
      v[i++] = e.getValue();
    }
    return new LabelSet(n, v);
  }

  public static LabelSet of(String... nameValuePairs) {
    Map<String, String> map = new TreeMap<>();
    for (int i = 0; i < nameValuePairs.length; i += 2) {
      map.put(nameValuePairs[i], nameValuePairs[i + 1]);
    }
    return of(map);
  }

  public int size() {
    return names.length;
  }

  public String name(int i) {
    return names[i];
  }

  public String value(int i) {
    return values[i];
  }

  /** The value of {@code name}, or null. */
  public String get(String name) {
    int i = Arrays.binarySearch(names, name);
    return i >= 0 ? values[i] : null;
  }

  /** Only the labels named in {@code keep} (sorted); a missing label is left out, as PromQL's {@code by}. */
  public LabelSet project(String[] sortedKeep) {
    if (sortedKeep.length == 0) {
      return EMPTY;
    }
    String[] n = new String[sortedKeep.length];
    String[] v = new String[sortedKeep.length];
    int k = 0;
    for (String name : sortedKeep) {
      String value = get(name);
      if (value != null && !value.isEmpty()) {
        n[k] = name;
        v[k++] = value;
      }
    }
    return k == 0 ? EMPTY : new LabelSet(Arrays.copyOf(n, k), Arrays.copyOf(v, k));
  }

  /** These labels with {@code overrides} put on top. */
  public LabelSet with(Map<String, String> overrides) {
    if (overrides.isEmpty()) {
      return this;
    }
    TreeMap<String, String> merged = new TreeMap<>(asMap());
    merged.putAll(overrides);
    return of(merged);
  }

  public Map<String, String> asMap() {
    Map<String, String> map = new LinkedHashMap<>();
    for (int i = 0; i < names.length; i++) {
      map.put(names[i], values[i]);
    }
    return Collections.unmodifiableMap(map);
  }

  /** Alertmanager's fingerprint of this label set (see {@link Fingerprint}). */
  public long fingerprint() {
    return Fingerprint.of(this);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof LabelSet other && hash == other.hash && Arrays.equals(names, other.names)
        && Arrays.equals(values, other.values);
  }

  @Override
  public int hashCode() {
    return hash;
  }

  @Override
  public int compareTo(LabelSet o) {
    int n = Math.min(names.length, o.names.length);
    for (int i = 0; i < n; i++) {
      int c = names[i].compareTo(o.names[i]);
      if (c != 0) {
        return c;
      }
      c = values[i].compareTo(o.values[i]);
      if (c != 0) {
        return c;
      }
    }
    return Integer.compare(names.length, o.names.length);
  }

  /** Prometheus' notation, {@code {a="x", b="y"}}; Alertmanager's group keys use it too. */
  @Override
  public String toString() {
    StringBuilder out = new StringBuilder("{");
    for (int i = 0; i < names.length; i++) {
      if (i > 0) {
        out.append(", ");
      }
      out.append(names[i]).append("=\"");
      escape(values[i], out);
      out.append('"');
    }
    return out.append('}').toString();
  }

  private static void escape(String value, StringBuilder out) {
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        default -> out.append(c);
      }
    }
  }
}
