package dev.rtvoice.common.http;

import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.http.HttpObjectDecoder;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.vertx.core.http.HttpClosedException;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.HttpException;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one failure handler of every router: whatever went wrong becomes
 * {@code {"error":{"code","message"}}} with the right status. Unexpected failures are logged with an
 * id and answered as a bare 500 carrying that id, never a stack trace or an exception message.
 */
public final class JsonErrors {
  private static final Logger LOG = LoggerFactory.getLogger(JsonErrors.class);

  private JsonErrors() {}

  /**
   * Makes every failure of {@code router} JSON: thrown exceptions and failed contexts, and also the
   * errors the router raises itself (no route, wrong method, body too large, a path whose
   * percent-encoding does not decode), whatever their status.
   */
  public static void install(Router router) {
    router.route().failureHandler(JsonErrors::handle);
    for (int status = 400; status <= 431; status++) {
      int routerStatus = status;
      router.errorHandler(status, ctx -> handle(ctx, routerStatus));
    }
    for (int status = 500; status <= 511; status++) {
      int routerStatus = status;
      router.errorHandler(status, ctx -> handle(ctx, routerStatus));
    }
  }

  public static void handle(RoutingContext ctx) {
    handle(ctx, ctx.statusCode());
  }

  /**
   * {@code routerStatus} is the status the router reports the error under: its error handlers see
   * {@code statusCode() == -1} for some of their own failures (a bad percent-encoding in the path,
   * for one), which must stay the router's 400 and not turn into a 500.
   */
  private static void handle(RoutingContext ctx, int routerStatus) {
    Throwable failure = ctx.failure();
    int status = ctx.statusCode() > 0 ? ctx.statusCode() : routerStatus;
    if (failure instanceof ApiException api) {
      send(ctx, api.status(), api.code(), api.getMessage(), api.details());
    } else if (failure instanceof HttpException http) {
      int code = http.getStatusCode();
      send(ctx, code, codeFor(code), messageFor(code, http.getPayload()), null);
    } else if (failure instanceof io.vertx.core.json.DecodeException) {
      send(ctx, 400, "invalid_json", "request body is not valid JSON", null);
    } else if (failure instanceof HttpClosedException) {
      // the client went away while its request was read: no one to answer
      LOG.debug("connection closed during {} {}", ctx.request().method(), ctx.request().path());
    } else if (failure != null && isHttpDecoderFailure(failure)) {
      send(ctx, 400, "invalid_request", "the request body's framing is malformed", null);
      ctx.request().connection().close();
    } else if (failure == null && status > 0 && status < 500) {
      send(ctx, status, codeFor(status), messageFor(status, null), null);
    } else {
      String incident = UUID.randomUUID().toString();
      LOG.error("unexpected failure on {} {} (incident {})", ctx.request().method(), ctx.request().path(), incident,
          failure);
      send(ctx, 500, "internal_error", "internal error (incident " + incident + ")", null);
    }
  }

  /**
   * Whether {@code failure} is Netty's HTTP decoder refusing the bytes of a request's body (a chunk
   * size that is not hex, for one): reported to the body handler as the request's failure, it is the
   * client's fault, not an unexpected one.
   */
  static boolean isHttpDecoderFailure(Throwable failure) {
    if (failure instanceof DecoderException) {
      return true;
    }
    for (StackTraceElement frame : failure.getStackTrace()) {
      if (frame.getClassName().startsWith(HttpObjectDecoder.class.getName())) {
        return true;
      }
    }
    return false;
  }

  /**
   * The server's {@code invalidRequestHandler}: a request the HTTP decoder could not read (request line
   * or headers too long, a malformed header, an HTTP version other than 1.0 and 1.1) gets the JSON
   * error too, and the connection is closed, since what follows on it cannot be trusted.
   */
  public static void invalidRequest(HttpServerRequest request) {
    Throwable cause = request.decoderResult().cause();
    int status;
    String code;
    String message;
    if (cause instanceof TooLongHttpLineException) {
      status = 414;
      code = codeFor(414);
      message = "the request line is too long";
    } else if (cause instanceof TooLongHttpHeaderException) {
      status = 431;
      code = codeFor(431);
      message = "the request headers are too large";
    } else if (cause instanceof HttpVersionGuard.UnsupportedVersionException) {
      status = 400;
      code = "unsupported_http_version";
      message = "only HTTP/1.0 and HTTP/1.1 are served";
    } else {
      status = 400;
      code = "invalid_request";
      message = "the request is not valid HTTP";
    }
    refuse(request, status, code, message);
  }

  /**
   * Answers a request that never reached a router with the JSON error, and closes the connection:
   * a body it may still be sending is not read.
   */
  public static void refuse(HttpServerRequest request, int status, String code, String message) {
    HttpServerResponse response = request.response();
    if (response.headWritten()) {
      request.connection().close();
      return;
    }
    response.setStatusCode(status)
        .putHeader("content-type", "application/json")
        .putHeader("connection", "close")
        .end(errorBody(code, message, null))
        .onComplete(done -> request.connection().close());
  }

  private static io.vertx.core.buffer.Buffer errorBody(String code, String message, JsonObject details) {
    JsonObject error = new JsonObject().put("code", code).put("message", message);
    if (details != null) {
      details.forEach(e -> error.put(e.getKey(), e.getValue()));
    }
    return new JsonObject().put("error", error).toBuffer();
  }

  public static void send(RoutingContext ctx, int status, String code, String message, JsonObject details) {
    HttpServerResponse response = ctx.response();
    if (response.ended()) {
      return;
    }
    if (response.headWritten()) {
      ctx.request().connection().close();
      return;
    }
    response.setStatusCode(status)
        .putHeader("content-type", "application/json")
        .end(errorBody(code, message, details));
  }

  static String codeFor(int status) {
    return switch (status) {
      case 400 -> "invalid_request";
      case 401 -> "unauthenticated";
      case 403 -> "forbidden";
      case 404 -> "not_found";
      case 405 -> "method_not_allowed";
      case 406 -> "not_acceptable";
      case 408 -> "request_timeout";
      case 409 -> "conflict";
      case 411 -> "length_required";
      case 412 -> "precondition_failed";
      case 413 -> "payload_too_large";
      case 414 -> "uri_too_long";
      case 415 -> "unsupported_media_type";
      case 416 -> "range_not_satisfiable";
      case 417 -> "expectation_failed";
      case 429 -> "rate_limited";
      case 431 -> "headers_too_large";
      case 503 -> "unavailable";
      default -> status >= 500 ? "internal_error" : "http_" + status;
    };
  }

  private static String messageFor(int status, String payload) {
    if (payload != null && !payload.isBlank() && status < 500) {
      return payload;
    }
    return switch (status) {
      case 400 -> "bad request";
      case 401 -> "authentication required";
      case 403 -> "forbidden";
      case 404 -> "no such resource";
      case 405 -> "method not allowed";
      case 413 -> "request body too large";
      case 414 -> "the request line is too long";
      case 415 -> "unsupported content type";
      case 431 -> "the request headers are too large";
      case 429 -> "too many requests";
      case 503 -> "service unavailable";
      default -> status >= 500 ? "internal error" : "request failed";
    };
  }
}
