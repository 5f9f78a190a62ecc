package dev.rtvoice.tokens.outbox;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rtvoice.common.kafka.KafkaSettings;
import io.vertx.core.Future;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kafka unreachable (the relay's real producer pointed at a port where no broker listens): the outbox
 * takes events up to its byte limit and refuses the next one with {@link OutboxFullException}, losing
 * none of those it took; they are all there, in order, for the next start.
 */
class OutboxBoundTest {
  @TempDir
  Path dir;

  @Test
  void pastItsByteLimitTheOutboxRefusesAndKeepsWhatItTook() throws Exception {
    long maxBytes = 64 * 1024;
    OutboxLog log = OutboxLog.open(dir, 16 * 1024);
    KafkaSettings nowhere = new KafkaSettings("127.0.0.1:1", "outbox-bound-test", Duration.ofSeconds(2), 0,
        Duration.ofSeconds(10), null);
    Outbox outbox = new Outbox(log, new Outbox.Settings(maxBytes, Outbox.Fsync.INTERVAL, Duration.ofMillis(50), 100),
        new KafkaSink(nowhere, "none"), Duration.ofSeconds(2));
    outbox.start();
    List<String> taken = new ArrayList<>();
    int refused = 0;
    long takenBytes = 0;
    for (int i = 0; i < 400; i++) {
      OutboxRecord record = new OutboxRecord("t", "k" + i, ("{\"i\":" + i + ",\"pad\":\"" + "y".repeat(500) + "\"}")
          .getBytes(StandardCharsets.UTF_8));
      Future<Void> appended = outbox.append(record);
      appended.toCompletionStage().toCompletableFuture().handle((v, e) -> null).get(10, TimeUnit.SECONDS);
      if (appended.succeeded()) {
        assertThat(refused).as("nothing is taken after the first refusal while Kafka is away").isZero();
        taken.add("k" + i);
        takenBytes += record.sizeOnDisk();
      } else {
        assertThat(appended.cause()).isInstanceOf(OutboxFullException.class);
        refused++;
      }
    }
    assertThat(refused).isPositive();
    assertThat(takenBytes).isLessThanOrEqualTo(maxBytes).isGreaterThan(maxBytes - 600);
    assertThat(outbox.refusedFull()).isEqualTo(refused);
    outbox.close(Duration.ofMillis(200));

    try (OutboxLog reopened = OutboxLog.open(dir, 16 * 1024)) {
      List<String> keys = new ArrayList<>();
      long at = reopened.delivered();
      while (at < reopened.end()) {
        List<OutboxLog.Positioned> batch = reopened.read(at, 50, 1 << 20);
        batch.forEach(p -> keys.add(p.record().key()));
        at = batch.get(batch.size() - 1).next();
      }
      assertThat(keys).isEqualTo(taken);
    }
  }
}
