package dev.rtvoice.tokens.outbox;

import dev.rtvoice.common.kafka.KafkaSettings;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Future;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The relay's producer: common's idempotent {@code acks=all} settings (so a retried batch is not
 * written twice and records of one partition stay in order), used from the relay's own thread, so
 * the plain kafka-clients producer is enough. It lingers a little: nothing waits on it but the relay.
 */
public final class KafkaSink implements Outbox.Sink {
  private final KafkaProducer<String, byte[]> producer;

  public KafkaSink(KafkaSettings settings, String compression) {
    Map<String, Object> config = new HashMap<>(settings.producerConfig("token-outbox"));
    config.put("compression.type", compression);
    config.put("linger.ms", "5");
    config.remove("key.serializer");
    config.remove("value.serializer");
    this.producer = new KafkaProducer<>(config, new StringSerializer(), new ByteArraySerializer());
  }

  @Override
  public Future<?> send(OutboxRecord record) {
    return producer.send(new ProducerRecord<>(record.topic(), record.key(), record.value()));
  }

  @Override
  public void close(Duration timeout) {
    producer.close(timeout);
  }
}
