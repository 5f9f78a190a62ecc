package dev.rtvoice.common.http;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.net.impl.ConnectionBase;

/**
 * Turns a request line with an HTTP version other than 1.0 or 1.1 ({@code GET / HTTP/9.9}) into an
 * invalid request, so that the server's {@code invalidRequestHandler} answers it with the JSON error.
 * Left alone, Vert.x answers such a request itself, before any handler of ours, with an empty 501:
 * a client's fault reported as a server error. It sits in the connection's Netty pipeline right after
 * the HTTP decoder; Vert.x exposes no public hook for this. The connection handler that adds it runs
 * before the first request is read only when cleartext HTTP/2 upgrade is off ({@link HttpEdge} turns
 * it off): with it on, Vert.x creates the connection once the first request has gone by.
 */
@ChannelHandler.Sharable
final class HttpVersionGuard extends ChannelInboundHandlerAdapter {
  static final String NAME = "rtvoice-http-version-guard";
  private static final String DECODER = "httpDecoder";
  private static final HttpVersionGuard INSTANCE = new HttpVersionGuard();

  /** What the invalid-request handler sees as the decoder's failure. */
  static final class UnsupportedVersionException extends RuntimeException {
    UnsupportedVersionException() {
      super("unsupported HTTP version", null, false, false);
    }
  }

  private HttpVersionGuard() {}

  /** The server's {@code connectionHandler}: adds the guard to an HTTP/1.x connection. */
  static void install(HttpConnection connection) {
    if (!(connection instanceof ConnectionBase base)) {
      return;
    }
    ChannelPipeline pipeline = base.channelHandlerContext().pipeline();
    if (pipeline.get(DECODER) != null && pipeline.get(NAME) == null) {
      pipeline.addAfter(DECODER, NAME, INSTANCE);
    }
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    // by identity, as Vert.x tests it: the decoder returns these constants only for the exact texts
    // "HTTP/1.1" and "HTTP/1.0"; "http/1.1" is a distinct, equal() version that Vert.x would answer 501
    if (msg instanceof HttpRequest request && request.decoderResult().isSuccess()
        && request.protocolVersion() != HttpVersion.HTTP_1_1 && request.protocolVersion() != HttpVersion.HTTP_1_0) {
      // answered as HTTP/1.1, then the connection is closed by the invalid-request handler
      request.setProtocolVersion(HttpVersion.HTTP_1_1);
      request.setDecoderResult(DecoderResult.failure(new UnsupportedVersionException()));
    }
    ctx.fireChannelRead(msg);
  }
}
