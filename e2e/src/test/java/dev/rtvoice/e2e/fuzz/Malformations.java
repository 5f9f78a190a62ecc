package dev.rtvoice.e2e.fuzz;

import java.io.ByteArrayOutputStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Tuple;

/**
 * What a hostile or broken client sends, as jqwik generators: each request starts from a real route
 * of a real service with the credential it expects, and then its method, path, HTTP version,
 * headers, credential, body and framing are each, independently, kept or made hostile. A well-formed
 * request is among the cases on purpose: the services must keep serving while they are fuzzed.
 */
final class Malformations {
  /** What a legitimate client of the suite holds, so that fuzzed requests also get past authentication. */
  record Credentials(String userJwt, String rotationToken, String operatorToken, String sessionId,
                     String allowedOrigin) {}

  private static final List<String> METHODS = List.of("GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD",
      "TRACE", "FOO", "get", "P0ST", "CONNECT", "PROPFIND");
  private static final List<String> VERSIONS = List.of("HTTP/1.0", "HTTP/9.9", "HTTP/2.0", "HTTP/1.2", "HTTP/1",
      "http/1.1", "HTTP/1.1 extra", "");
  /** Path segments whose decoding goes wrong in one way or another. */
  private static final List<String> SEGMENTS = List.of("%ZZ", "%", "%E0%A4%A", "%C0%AF", "%00", "%2F", "%2e%2e",
      "..", ".", "", "a%2Fb", "%F0%9F%92%A9", "%ED%A0%80", "%FF%FE", "x;jsessionid=1", "%25", "%u0041",
      "a".repeat(300), "%41".repeat(400), "\u00e9", "\u00ff\u00fe", "*", "~", "'\"<script>", "${jndi:x}");
  private static final List<String> TAILS = List.of("", "", "", "", "/", "/extra", "/..", "/%ZZ", "//",
      "?limit=abc&limit=1", "?state=%ZZ", "?phase=nope", "?window=-5m", "?" + "q=1&".repeat(200), "#frag",
      "?a=%E0%A4%A", "?=&=&", "?" + "k".repeat(3000), "?" + "k".repeat(5000));
  private static final List<String> CONTENT_TYPES = List.of("text/plain", "application/json; charset=utf-16",
      "multipart/form-data; boundary=x", "application/x-www-form-urlencoded", "", "application/json;;;",
      "application/xml", "*/*", "multipart/form-data");
  private static final List<String> BODIES = List.of("{", "}", "[]", "null", "\"s\"", "1e999999", "-0",
      "{\"a\":1,\"a\":2}", "{\"events\":\"x\"}", "{\"events\":[1,null,\"x\"]}", "{\"events\":[]}",
      "{\"events\":[{}]}", "{\"samples\":[{}]}", "{\"samples\":\"x\"}", "{\"samples\":[{\"stage\":\"nope\"}]}",
      "{\"ttl_seconds\":-1}", "{\"ttl_seconds\":1e400}", "{\"ttl_seconds\":\"60\"}", "{\"ttl_seconds\":9e18}",
      "{\"rotation_token\":123}", "{\"rotation_token\":\"" + "A".repeat(5000) + "\"}", "{\"reason\":null}",
      "{\"audio_end_ms\":-5,\"occurred_at_ms\":99999999999999}", "NaN", "{\"x\":NaN}", "\u0000\u0000",
      "[".repeat(5000), "{\"x\":".repeat(3000) + "1" + "}".repeat(3000), "[".repeat(900) + "]".repeat(900),
      "{\"s\":\"\\ud800\"}", "{\"s\":\"\\u00\"}", "{'single':'quotes'}", "{\"a\":1}trailing", "--x\r\n\r\n--x--",
      "a=%ZZ&b", "\ufeff{}");
  private static final List<String> HEADERS = List.of(
      "Origin: https://evil.example", "Origin: null", "Origin: %%", "Origin: http://localhost:8080",
      "Access-Control-Request-Method: POST", "Access-Control-Request-Method: DELETE",
      "Access-Control-Request-Headers: authorization, x-evil",
      "Accept-Encoding: gzip, deflate, br", "Accept-Encoding: ;;;q=x", "Accept: application/xml",
      "Expect: 100-continue", "Expect: teapot",
      "X-Big: " + "x".repeat(9_000), "X-Big: " + "x".repeat(17_000), "X-Big: " + "x".repeat(70_000),
      "Bad Header: x", "X-Ctl: \u0001\u0002", "NoColon", " folded continuation", "X-Empty:", ": no-name",
      "Content-Length: 5", "Content-Length: -1", "Content-Length: 99999999999999999999", "Transfer-Encoding: gzip",
      "Transfer-Encoding: chunked, identity", "X-Device-ID: ", "X-Device-ID: " + "d".repeat(300),
      "X-Device-ID: \u00e9\u00ff", "Host: second.example", "Connection: keep-alive", "Connection: Upgrade",
      "Upgrade: websocket", "Upgrade: h2c", "HTTP2-Settings: AAMAAABkAAQAAP__", "Sec-WebSocket-Version: 13",
      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==", "Cookie: a=b; c", "Range: bytes=5-1", "Range: bytes=abc",
      "Range: bytes=0-0,1-1,2-2,3-3", "If-None-Match: *", "If-Modified-Since: garbage", "Content-Encoding: gzip",
      "X-Forwarded-For: \u00ff", "Authorization: Bearer a", "Authorization: Basic Zm9vOmJhcg==");
  /** Markers for the framing of the body, see {@link #frame}. */
  private enum Framing { LENGTH, CHUNKED, CHUNKED_GARBAGE, LENGTH_LONGER, LENGTH_SHORTER, NO_LENGTH }

  private final List<Target> targets;
  private final Credentials credentials;

  Malformations(List<Target> targets, Credentials credentials) {
    this.targets = List.copyOf(targets);
    this.credentials = credentials;
  }

  Credentials credentials() {
    return credentials;
  }

  Arbitrary<RawRequest> requests() {
    Arbitrary<Tuple.Tuple2<Target, Endpoint>> routes = Arbitraries.of(targets)
        .flatMap(t -> Arbitraries.of(t.endpoints()).map(e -> Tuple.of(t, e)));
    return Combinators.combine(routes, methods(), segments(), Arbitraries.of(TAILS), versions(), headers(),
            authorizations(), bodies())
        .flatAs((route, method, segment, tail, version, headers, credential, body) ->
            Combinators.combine(contentTypes(), framings()).as((type, framing) -> build(route.get1(), route.get2(),
                new Line(method, segment, tail, version), headers, credential, body, type, framing)));
  }

  private static Arbitrary<String> methods() {
    return Arbitraries.frequencyOf(Tuple.of(7, Arbitraries.just("")), Tuple.of(3, Arbitraries.of(METHODS)));
  }

  private Arbitrary<String> segments() {
    Arbitrary<String> encoded = Arbitraries.strings().all().ofMaxLength(30)
        .map(s -> URLEncoder.encode(s, StandardCharsets.UTF_8));
    Arbitrary<String> raw = Arbitraries.strings().withCharRange('\u0021', '\u00ff').ofMaxLength(20);
    return Arbitraries.frequencyOf(Tuple.of(4, Arbitraries.just(credentials.sessionId())),
        Tuple.of(4, Arbitraries.of(SEGMENTS)), Tuple.of(1, encoded), Tuple.of(1, raw));
  }

  private static Arbitrary<String> versions() {
    return Arbitraries.frequencyOf(Tuple.of(85, Arbitraries.just("HTTP/1.1")), Tuple.of(15, Arbitraries.of(VERSIONS)));
  }

  private static Arbitrary<List<String>> headers() {
    Arbitrary<String> random = Arbitraries.strings().withCharRange('\u0020', '\u00ff').ofMaxLength(40)
        .map(v -> "X-Fuzz: " + v);
    Arbitrary<String> one = Arbitraries.frequencyOf(Tuple.of(9, Arbitraries.of(HEADERS)), Tuple.of(1, random));
    return one.list().ofMaxSize(4);
  }

  /** "" stands for the endpoint's own credential. */
  private Arbitrary<String> authorizations() {
    return Arbitraries.frequencyOf(Tuple.of(6, Arbitraries.just("")),
        Tuple.of(2, Arbitraries.just("none")),
        Tuple.of(2, Arbitraries.of("Bearer ", "Bearer x.y.z", "Bearer " + credentials.userJwt() + "x",
            "Bearer " + credentials.rotationToken(), "Bearer " + credentials.operatorToken(),
            "Bearer " + credentials.userJwt(), "bearer " + credentials.userJwt(), "Basic Zm9vOmJhcg==",
            "Bearer " + "A".repeat(8_000), "Bearer \u00ff\u00fe", "Bearer a b c")));
  }

  /** null stands for no Content-Type at all. */
  private static Arbitrary<String> contentTypes() {
    return Arbitraries.frequencyOf(Tuple.of(85, Arbitraries.just("application/json")),
        Tuple.of(10, Arbitraries.of(CONTENT_TYPES)), Tuple.of(5, Arbitraries.just((String) null)));
  }

  /** null stands for the endpoint's own body. */
  private static Arbitrary<String> bodies() {
    Arbitrary<String> text = Arbitraries.strings().all().ofMaxLength(200);
    Arbitrary<String> large = Arbitraries.of(20_000, 600_000, 1_100_000).map(n -> "{\"x\":\"" + "a".repeat(n) + "\"}");
    return Arbitraries.frequencyOf(Tuple.of(50, Arbitraries.just((String) null)),
        Tuple.of(35, Arbitraries.of(BODIES)), Tuple.of(12, text), Tuple.of(1, large),
        Tuple.of(2, Arbitraries.just("")));
  }

  private static Arbitrary<Framing> framings() {
    return Arbitraries.frequencyOf(Tuple.of(85, Arbitraries.just(Framing.LENGTH)),
        Tuple.of(5, Arbitraries.just(Framing.CHUNKED)), Tuple.of(3, Arbitraries.just(Framing.CHUNKED_GARBAGE)),
        Tuple.of(3, Arbitraries.just(Framing.LENGTH_LONGER)), Tuple.of(2, Arbitraries.just(Framing.LENGTH_SHORTER)),
        Tuple.of(2, Arbitraries.just(Framing.NO_LENGTH)));
  }

  /** The request line's parts; an empty method means the endpoint's own. */
  private record Line(String method, String segment, String tail, String version) {}

  private RawRequest build(Target target, Endpoint endpoint, Line line, List<String> extraHeaders, String credential,
                           String body, String contentType, Framing framing) {
    String method = line.method().isEmpty() ? endpoint.method() : line.method();
    String path = endpoint.path().replace("{id}", line.segment()) + line.tail();
    StringBuilder head = new StringBuilder(method).append(' ').append(path);
    if (!line.version().isEmpty()) {
      head.append(' ').append(line.version());
    }
    head.append("\r\nHost: ").append(target.host()).append(':').append(target.port()).append("\r\n");
    // the server must close after its answer, so that an answer without a length still ends
    head.append("Connection: close\r\n");
    String authorization = credential.isEmpty() ? ownCredential(endpoint) : "none".equals(credential) ? null
        : credential;
    if (authorization != null) {
      head.append("Authorization: ").append(authorization).append("\r\n");
    }
    if (endpoint.credential() == Endpoint.Credential.USER_JWT) {
      head.append("X-Device-ID: fuzz-device\r\n");
    }
    String content = body != null ? body : endpoint.body() == null ? null
        : endpoint.body().replace("{id}", credentials.sessionId()).replace("{token}", credentials.rotationToken());
    if (content != null && contentType != null) {
      head.append("Content-Type: ").append(contentType).append("\r\n");
    }
    boolean reframed = false;
    for (String h : extraHeaders) {
      head.append(h).append("\r\n");
      reframed |= h.startsWith("Content-Length") || h.startsWith("Transfer-Encoding");
    }
    byte[] bytes = content == null ? new byte[0] : content.getBytes(StandardCharsets.UTF_8);
    RawRequest request = frame(target, head, bytes, content == null ? Framing.LENGTH : framing);
    // a second length or a transfer coding of our own makes the body's end unknowable too
    return reframed ? new RawRequest(target, request.bytes(), true) : request;
  }

  private String ownCredential(Endpoint endpoint) {
    return switch (endpoint.credential()) {
      case NONE -> null;
      case USER_JWT -> "Bearer " + credentials.userJwt();
      case ROTATION_TOKEN -> "Bearer " + credentials.rotationToken();
      case OPERATOR -> "Bearer " + credentials.operatorToken();
    };
  }

  private static RawRequest frame(Target target, StringBuilder head, byte[] body, Framing framing) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    boolean broken = false;
    switch (framing) {
      case LENGTH -> head.append("Content-Length: ").append(body.length).append("\r\n\r\n");
      case NO_LENGTH -> head.append("\r\n");
      case LENGTH_LONGER -> {
        head.append("Content-Length: ").append(body.length + 100).append("\r\n\r\n");
        broken = true;
      }
      case LENGTH_SHORTER -> head.append("Content-Length: ").append(body.length / 2).append("\r\n\r\n");
      case CHUNKED, CHUNKED_GARBAGE -> head.append("Transfer-Encoding: chunked\r\n\r\n");
    }
    out.writeBytes(head.toString().getBytes(StandardCharsets.ISO_8859_1));
    if (framing == Framing.CHUNKED) {
      if (body.length > 0) {
        out.writeBytes((Integer.toHexString(body.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
        out.writeBytes(body);
        out.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
      }
      out.writeBytes("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
    } else if (framing == Framing.CHUNKED_GARBAGE) {
      out.writeBytes("zz\r\n".getBytes(StandardCharsets.US_ASCII));
      out.writeBytes(body);
      broken = true;
    } else if (framing != Framing.NO_LENGTH || body.length > 0) {
      out.writeBytes(body);
    }
    // a body sent without any length (NO_LENGTH) is, for the server, the start of the next request
    return new RawRequest(target, out.toByteArray(), broken);
  }
}
