package dev.rtvoice.sessions.domain;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The short summary a recovering client replays: the last turns' transcripts, oldest dropped first,
 * never the whole history. The bound is on the text that is sent ({@link #render()}: role prefixes
 * and line separators included), by characters ({@code maxChars}, {@code SUMMARY_MAX_CHARS}) and by
 * bytes as JSON ({@link #MAX_BYTES}, whatever the characters), and on the number of lines. A single
 * transcript longer than the budget keeps its end, the part nearest to now, after an ellipsis.
 */
public final class BoundedSummary {
  /** One transcript line. */
  public record Line(int turn, String role, String text) {}

  public static final String USER = "user";
  public static final String ASSISTANT = "assistant";
  /** Beyond this many lines the oldest go too, however short they are (per-line overhead). */
  public static final int MAX_LINES = 24;
  /** The rendered text as a JSON string never takes more bytes than this (a state budget share). */
  public static final int MAX_BYTES = 8 * 1024;
  private static final String ELLIPSIS = "\u2026";
  private static final String PREFIX_SEPARATOR = ": ";

  private final int maxChars;
  private Deque<Line> lines;
  /** Length of {@link #render()}. */
  private int chars;
  /** Bytes of {@link #render()} as a JSON string, quotes excluded. */
  private int bytes;

  public BoundedSummary(int maxChars) {
    if (maxChars < 1) {
      throw new IllegalArgumentException("maxChars must be at least 1");
    }
    this.maxChars = maxChars;
  }

  public void add(int turn, String role, String text) {
    if (text == null || text.isBlank() || role == null) {
      return;
    }
    String t = fit(role, text.strip());
    if (t == null) {
      return;
    }
    if (lines == null) {
      lines = new ArrayDeque<>(4);
    }
    Line line = new Line(turn, role, t);
    if (!lines.isEmpty()) {
      chars += 1;
      bytes += 2; // '\n', escaped
    }
    lines.addLast(line);
    chars += charsOf(line);
    bytes += bytesOf(line);
    while (lines.size() > MAX_LINES || lines.size() > 1 && (chars > maxChars || bytes > MAX_BYTES)) {
      Line first = lines.removeFirst();
      chars -= charsOf(first) + 1;
      bytes -= bytesOf(first) + 2;
    }
  }

  /** The text as it fits one line alone: itself, or its end after an ellipsis; null if nothing fits. */
  private String fit(String role, String t) {
    int charBudget = maxChars - role.length() - PREFIX_SEPARATOR.length();
    int byteBudget = MAX_BYTES - jsonBytes(role) - PREFIX_SEPARATOR.length();
    if (t.length() <= charBudget && jsonBytes(t) <= byteBudget) {
      return t;
    }
    charBudget -= ELLIPSIS.length();
    byteBudget -= jsonBytes(ELLIPSIS);
    int keptBytes = 0;
    int start = t.length();
    while (start > 0 && t.length() - start < charBudget) {
      int b = JsonSize.ofChar(t.charAt(start - 1));
      if (keptBytes + b > byteBudget) {
        break;
      }
      keptBytes += b;
      start--;
    }
    if (start < t.length() && Character.isLowSurrogate(t.charAt(start))) {
      start++; // never half a character
    }
    return start >= t.length() ? null : ELLIPSIS + t.substring(start);
  }

  private static int charsOf(Line l) {
    return l.role().length() + PREFIX_SEPARATOR.length() + l.text().length();
  }

  private static int bytesOf(Line l) {
    return jsonBytes(l.role()) + PREFIX_SEPARATOR.length() + jsonBytes(l.text());
  }

  private static int jsonBytes(String s) {
    return JsonSize.of(s) - 2;
  }

  /** Characters of the text that is sent ({@link #render()}), prefixes and separators included. */
  public int chars() {
    return chars;
  }

  /** Bytes of the text that is sent, as a JSON string (without its quotes). */
  public int bytes() {
    return bytes;
  }

  public int maxChars() {
    return maxChars;
  }

  public List<Line> lines() {
    return lines == null ? List.of() : List.copyOf(lines);
  }

  public boolean isEmpty() {
    return lines == null || lines.isEmpty();
  }

  public BoundedSummary copy() {
    BoundedSummary c = new BoundedSummary(maxChars);
    if (lines != null) {
      c.lines = new ArrayDeque<>(lines);
      c.chars = chars;
      c.bytes = bytes;
    }
    return c;
  }

  /** {@code [{turn, role, text}, ...]}, oldest first. */
  public List<Map<String, Object>> toList() {
    List<Map<String, Object>> out = new ArrayList<>();
    for (Line l : lines()) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("turn", l.turn());
      m.put("role", l.role());
      m.put("text", l.text());
      out.add(m);
    }
    return out;
  }

  public static BoundedSummary fromList(List<?> list, int maxChars) {
    BoundedSummary s = new BoundedSummary(maxChars);
    if (list != null) {
      for (Object o : list) {
        if (o instanceof Map<?, ?> m) {
          s.add(((Number) m.get("turn")).intValue(), (String) m.get("role"), (String) m.get("text"));
        }
      }
    }
    return s;
  }

  /** The replay text: one {@code role: text} line per transcript; at most {@code maxChars} long. */
  public String render() {
    StringBuilder b = new StringBuilder(chars);
    for (Line l : lines()) {
      if (b.length() > 0) {
        b.append('\n');
      }
      b.append(l.role()).append(PREFIX_SEPARATOR).append(l.text());
    }
    return b.toString();
  }
}
