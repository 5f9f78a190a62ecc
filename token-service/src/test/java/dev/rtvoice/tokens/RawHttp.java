package dev.rtvoice.tokens;

import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;

/** HTTP/1.1 over a plain socket, for request lines that java.net.http refuses to send (bad percent-encoding). */
final class RawHttp {
  record Response(int status, String body) {
    JsonObject json() {
      return new JsonObject(body);
    }
  }

  private RawHttp() {}

  static Response post(String base, String rawPath, String body, String... headers) {
    URI uri = URI.create(base);
    byte[] payload = body.getBytes(StandardCharsets.UTF_8);
    StringBuilder request = new StringBuilder("POST " + rawPath + " HTTP/1.1\r\nHost: " + uri.getHost() + "\r\n"
        + "Content-Type: application/json\r\nContent-Length: " + payload.length + "\r\nConnection: close\r\n");
    for (int i = 0; i < headers.length; i += 2) {
      request.append(headers[i]).append(": ").append(headers[i + 1]).append("\r\n");
    }
    request.append("\r\n");
    try (Socket socket = new Socket(uri.getHost(), uri.getPort())) {
      socket.setSoTimeout(10_000);
      OutputStream out = socket.getOutputStream();
      out.write(request.toString().getBytes(StandardCharsets.US_ASCII));
      out.write(payload);
      out.flush();
      String response = readAll(socket.getInputStream());
      int status = Integer.parseInt(response.substring(9, 12));
      int split = response.indexOf("\r\n\r\n");
      return new Response(status, split < 0 ? "" : response.substring(split + 4));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String readAll(InputStream in) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    in.transferTo(bytes);
    return bytes.toString(StandardCharsets.UTF_8);
  }
}
