package dev.rtvoice.common.http;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import java.util.zip.InflaterInputStream;

/**
 * One HTTP/1.1 exchange over a plain socket, for the requests an HTTP client refuses to send: bad
 * request lines, unknown versions, raw header bytes, broken percent-encoding. It reads one response
 * (by Content-Length, chunked, or to end of stream) and never keeps the connection.
 */
public final class RawHttp {
  private static final int MAX_RESPONSE_BYTES = 1 << 20;

  private RawHttp() {}

  /** A response as read off the wire; {@code status} is -1 when the server closed without answering. */
  public record Response(int status, Map<String, String> headers, String body) {
    public String header(String name) {
      return headers.get(name.toLowerCase(Locale.ROOT));
    }

    @Override
    public String toString() {
      return status + " " + headers + " " + (body.length() > 300 ? body.substring(0, 300) + "..." : body);
    }
  }

  public static Response exchange(String host, int port, String request, int timeoutMs) throws IOException {
    return exchange(host, port, request.getBytes(StandardCharsets.ISO_8859_1), timeoutMs);
  }

  public static Response exchange(String host, int port, byte[] request, int timeoutMs) throws IOException {
    return exchange(host, port, request, timeoutMs, false);
  }

  /**
   * With {@code endOfInput}, the socket's output is shut down once the request is written, so that a
   * server still waiting for a body the request promised but never sends sees end of stream.
   */
  public static Response exchange(String host, int port, byte[] request, int timeoutMs, boolean endOfInput)
      throws IOException {
    try (Socket socket = new Socket(host, port)) {
      socket.setSoTimeout(timeoutMs);
      OutputStream out = socket.getOutputStream();
      try {
        out.write(request);
        out.flush();
        if (endOfInput) {
          socket.shutdownOutput();
        }
      } catch (IOException closedWhileWriting) {
        // the server may answer and close before it read everything (a header block too large): read what it said
      }
      boolean head = new String(request, 0, Math.min(5, request.length), StandardCharsets.ISO_8859_1)
          .startsWith("HEAD ");
      return read(socket.getInputStream(), head);
    }
  }

  private static Response read(InputStream in, boolean head) throws IOException {
    Response response;
    do {
      response = readOne(in, head);
    } while (response.status() >= 100 && response.status() < 200);
    return response;
  }

  /** One response, or an interim 1xx one (after which the final response follows). */
  private static Response readOne(InputStream in, boolean head) throws IOException {
    String statusLine;
    try {
      statusLine = line(in);
    } catch (SocketTimeoutException e) {
      throw new IOException("no response within the timeout", e);
    }
    if (statusLine == null) {
      return new Response(-1, Map.of(), "");
    }
    String[] parts = statusLine.split(" ", 3);
    if (parts.length < 2 || !parts[0].startsWith("HTTP/")) {
      throw new IOException("not an HTTP status line: " + statusLine);
    }
    int status = Integer.parseInt(parts[1]);
    Map<String, String> headers = new LinkedHashMap<>();
    for (String h = line(in); h != null && !h.isEmpty(); h = line(in)) {
      int colon = h.indexOf(':');
      if (colon > 0) {
        headers.merge(h.substring(0, colon).trim().toLowerCase(Locale.ROOT), h.substring(colon + 1).trim(),
            (a, b) -> a + ", " + b);
      }
    }
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    if (head || status == 204 || status == 304 || status / 100 == 1) {
      return new Response(status, headers, "");
    }
    String length = headers.get("content-length");
    if (length != null) {
      copy(in, body, Long.parseLong(length));
    } else if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
      for (String size = line(in); size != null; size = line(in)) {
        int n = Integer.parseInt(size.split(";")[0].trim(), 16);
        if (n == 0) {
          break;
        }
        copy(in, body, n);
        line(in);
      }
    } else {
      copy(in, body, MAX_RESPONSE_BYTES);
    }
    return new Response(status, headers, new String(decoded(headers.get("content-encoding"), body.toByteArray()),
        StandardCharsets.UTF_8));
  }

  /** The body as the server meant it, when it compressed it (a client that offered gzip gets gzip). */
  private static byte[] decoded(String encoding, byte[] body) throws IOException {
    if (encoding == null || body.length == 0) {
      return body;
    }
    return switch (encoding.trim().toLowerCase(Locale.ROOT)) {
      case "gzip", "x-gzip" -> new GZIPInputStream(new ByteArrayInputStream(body)).readAllBytes();
      case "deflate" -> new InflaterInputStream(new ByteArrayInputStream(body)).readAllBytes();
      default -> body;
    };
  }

  private static void copy(InputStream in, ByteArrayOutputStream out, long n) throws IOException {
    long left = Math.min(n, MAX_RESPONSE_BYTES);
    byte[] buffer = new byte[8192];
    while (left > 0) {
      int read = in.read(buffer, 0, (int) Math.min(buffer.length, left));
      if (read < 0) {
        return;
      }
      out.write(buffer, 0, read);
      left -= read;
    }
  }

  private static String line(InputStream in) throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    int b;
    while ((b = in.read()) >= 0) {
      if (b == '\n') {
        String s = line.toString(StandardCharsets.ISO_8859_1);
        return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
      }
      line.write(b);
      if (line.size() > 64 * 1024) {
        throw new IOException("response line too long");
      }
    }
    return line.size() == 0 ? null : line.toString(StandardCharsets.ISO_8859_1);
  }
}
