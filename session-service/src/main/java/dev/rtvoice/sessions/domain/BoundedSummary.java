package dev.rtvoice.sessions.domain;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The short summary a recovering client replays: the last turns' transcripts, oldest dropped first,
 * never more than {@code maxChars} characters of text (DESIGN.md guardrail 4: never the whole
 * history). A single transcript longer than the budget keeps its end, the part nearest to now.
 */
public final class BoundedSummary {
  /** One transcript line. */
  public record Line(int turn, String role, String text) {}

  public static final String USER = "user";
  public static final String ASSISTANT = "assistant";
  /** Beyond this many lines the oldest go too, however short they are (per-line overhead). */
  public static final int MAX_LINES = 24;

  private final int maxChars;
  private Deque<Line> lines;
  private int chars;

  public BoundedSummary(int maxChars) {
    if (maxChars < 1) {
      throw new IllegalArgumentException("maxChars must be at least 1");
    }
    this.maxChars = maxChars;
  }

  public void add(int turn, String role, String text) {
    if (text == null || text.isBlank()) {
      return;
    }
    String t = text.strip();
    if (t.length() > maxChars) {
      t = "\u2026" + t.substring(t.length() - (maxChars - 1));
    }
    if (lines == null) {
      lines = new ArrayDeque<>(4);
    }
    lines.addLast(new Line(turn, role, t));
    chars += t.length();
    while (chars > maxChars || lines.size() > MAX_LINES) {
      chars -= lines.removeFirst().text().length();
    }
  }

  public int chars() {
    return chars;
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

  /** The replay text: one {@code role: text} line per transcript. */
  public String render() {
    StringBuilder b = new StringBuilder();
    for (Line l : lines()) {
      if (b.length() > 0) {
        b.append('\n');
      }
      b.append(l.role()).append(": ").append(l.text());
    }
    return b.toString();
  }
}
