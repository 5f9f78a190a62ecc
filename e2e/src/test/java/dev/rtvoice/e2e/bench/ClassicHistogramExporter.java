package dev.rtvoice.e2e.bench;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * What system B scrapes: the same first-audio samples as a classic Prometheus histogram (buckets
 * on the budget bounds, as metrics-service exports them) and the rotation-failure counter, in the
 * text exposition format.
 */
final class ClassicHistogramExporter implements AutoCloseable {
  private final double[] bounds;
  private final long[] buckets;
  private long count;
  private double sum;
  private long rotationFailures;
  private final Vertx vertx = Vertx.vertx();
  private final HttpServer server;

  ClassicHistogramExporter(double[] boundsMs) throws Exception {
    this.bounds = boundsMs.clone();
    this.buckets = new long[bounds.length];
    server = vertx.createHttpServer().requestHandler(req -> req.response()
            .putHeader("Content-Type", "text/plain; version=0.0.4").end(render()))
        .listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
  }

  synchronized void observe(double valueMs) {
    for (int i = 0; i < bounds.length; i++) {
      if (valueMs <= bounds[i]) {
        buckets[i]++;
      }
    }
    count++;
    sum += valueMs;
  }

  synchronized void rotationFailed() {
    rotationFailures++;
  }

  synchronized String render() {
    StringBuilder out = new StringBuilder();
    out.append("# HELP first_audio_ms Time to the first audio of a turn.\n# TYPE first_audio_ms histogram\n");
    for (int i = 0; i < bounds.length; i++) {
      out.append(String.format(Locale.ROOT, "first_audio_ms_bucket{le=\"%s\"} %d%n", trim(bounds[i]), buckets[i]));
    }
    out.append("first_audio_ms_bucket{le=\"+Inf\"} ").append(count).append('\n');
    out.append(String.format(Locale.ROOT, "first_audio_ms_sum %.3f%n", sum));
    out.append("first_audio_ms_count ").append(count).append('\n');
    out.append("# HELP session_rotate_fail_total Client secret rotations that failed.\n")
        .append("# TYPE session_rotate_fail_total counter\n")
        .append("session_rotate_fail_total ").append(rotationFailures).append('\n');
    return out.toString();
  }

  private static String trim(double d) {
    return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d);
  }

  String target() {
    return "127.0.0.1:" + server.actualPort();
  }

  @Override
  public void close() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }
}
