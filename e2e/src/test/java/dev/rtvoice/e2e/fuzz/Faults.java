package dev.rtvoice.e2e.fuzz;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * The kinds of fault that once got a 5xx or a body that was not JSON from the suite, recognized in a
 * generated request. The fuzz test counts them on every run and fails unless each was drawn, per
 * target where the defect was per target, often enough: a generator that stopped producing one would
 * otherwise let that defect come back unseen.
 */
final class Faults {
  static final int MIN_PER_RUN = 5;
  private static final String EVIL_ORIGINS = "Origin: https://evil.example|Origin: null|Origin: %%";

  /**
   * A fault's name, whether it is counted per target (and then whether only on the four services,
   * which have CORS), and whether a request (its request line, its header lines) carries it.
   */
  record Kind(String name, boolean perTarget, boolean servicesOnly, Predicate<Parsed> present) {}

  /** The parts of a generated request the kinds look at. */
  record Parsed(String target, String requestLine, String path, String version, List<String> headers) {}

  static final List<Kind> KINDS = List.of(
      new Kind("path with undecodable percent-encoding", true, false, p -> !percentDecodes(p.path())),
      new Kind("Origin not allowed", true, true, p -> p.headers().stream().anyMatch(h -> h.matches(EVIL_ORIGINS))),
      new Kind("HTTP version other than 1.0 and 1.1", false, false,
          p -> !p.version().equals("HTTP/1.1") && !p.version().equals("HTTP/1.0")),
      new Kind("request line over 4 KiB", false, false, p -> p.requestLine().length() > 4096),
      new Kind("headers over 8 KiB", false, false,
          p -> p.headers().stream().mapToInt(String::length).sum() > 8192),
      new Kind("header with invalid bytes", false, false, p -> p.headers().stream().anyMatch(Faults::invalidHeader)));

  private Faults() {}

  /** The labels of the kinds {@code request} carries ("kind" or "kind: target"), each with whether it does. */
  static Map<String, Boolean> of(RawRequest request) {
    Parsed parsed = parse(request);
    Map<String, Boolean> labels = new LinkedHashMap<>();
    for (Kind kind : KINDS) {
      if (kind.servicesOnly() && parsed.target().equals("console")) {
        continue;
      }
      labels.put(kind.perTarget() ? kind.name() + ": " + parsed.target() : kind.name(), kind.present().test(parsed));
    }
    return labels;
  }

  static Parsed parse(RawRequest request) {
    String text = new String(request.bytes(), StandardCharsets.ISO_8859_1);
    int headEnd = text.indexOf("\r\n\r\n");
    String[] lines = (headEnd < 0 ? text : text.substring(0, headEnd)).split("\r\n", -1);
    String requestLine = lines[0];
    String[] parts = requestLine.split(" ", 3);
    String path = parts.length > 1 ? parts[1] : "";
    String version = parts.length > 2 ? parts[2] : "";
    List<String> headers = new ArrayList<>(List.of(lines).subList(1, lines.length));
    return new Parsed(request.target().name(), requestLine, path, version, headers);
  }

  static boolean percentDecodes(String path) {
    int query = path.indexOf('?');
    String p = query < 0 ? path : path.substring(0, query);
    for (int i = p.indexOf('%'); i >= 0; i = p.indexOf('%', i + 1)) {
      if (i + 2 >= p.length() || Character.digit(p.charAt(i + 1), 16) < 0 || Character.digit(p.charAt(i + 2), 16) < 0) {
        return false;
      }
    }
    return true;
  }

  private static boolean invalidHeader(String line) {
    int colon = line.indexOf(':');
    if (colon <= 0 || line.startsWith(" ")) {
      return true;
    }
    for (int i = 0; i < line.length(); i++) {
      char c = line.charAt(i);
      if ((c < 0x20 && c != '\t') || c == 0x7f || (i < colon && (c == ' ' || c > 0x7e))) {
        return true;
      }
    }
    return false;
  }
}
