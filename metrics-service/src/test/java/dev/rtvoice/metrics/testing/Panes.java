package dev.rtvoice.metrics.testing;

import dev.rtvoice.common.event.EventCodec;
import dev.rtvoice.common.event.EventEnvelope;
import dev.rtvoice.common.event.EventType;
import dev.rtvoice.common.event.payload.WindowPaneCodec;
import dev.rtvoice.common.metrics.LatencySketch;
import dev.rtvoice.common.metrics.WindowPane;
import io.vertx.core.buffer.Buffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/** Reads what is on the windows topic right now, and keeps the newest pane per (instance, metric, bucket). */
public final class Panes {
  private final List<WindowPane> all;

  private Panes(List<WindowPane> all) {
    this.all = all;
  }

  /** Every pane on {@code topic} up to its end offsets at the time of the call: nothing that comes later. */
  public static Panes onTopicNow(String bootstrapServers, String topic) {
    Properties props = new Properties();
    props.put("bootstrap.servers", bootstrapServers);
    props.put("enable.auto.commit", "false");
    List<WindowPane> panes = new ArrayList<>();
    try (KafkaConsumer<String, byte[]> consumer =
             new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(10)).stream()
          .map(p -> new TopicPartition(topic, p.partition())).toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
      long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
      while (partitions.stream().anyMatch(tp -> consumer.position(tp) < ends.get(tp))) {
        if (System.nanoTime() > deadline) {
          throw new AssertionError("could not read " + topic + " to its end");
        }
        for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(100))) {
          if (r.offset() >= ends.get(new TopicPartition(r.topic(), r.partition()))) {
            continue;
          }
          EventEnvelope event = EventCodec.decode(Buffer.buffer(r.value()));
          if (event.type() != EventType.METRICS_WINDOW) {
            throw new AssertionError("unexpected event on the windows topic: " + event.type());
          }
          if (!r.key().equals(event.payloadView().getString("metric"))) {
            throw new AssertionError("pane keyed " + r.key() + " holds " + event.payloadView().getString("metric"));
          }
          long occurred = event.occurredAt().toEpochMilli();
          long bucketStart = event.payloadView().getLong("bucket_start_ms");
          long bucketEnd = event.payloadView().getLong("bucket_end_ms");
          boolean isFinal = "final".equals(event.payloadView().getString("pane"));
          // a final pane's event time is its bucket end; an early pane's, how far its data reaches
          if (isFinal ? occurred != bucketEnd : occurred < bucketStart || occurred > bucketEnd) {
            throw new AssertionError("occurred_at " + occurred + " of a " + (isFinal ? "final" : "early")
                + " pane outside its bucket [" + bucketStart + ", " + bucketEnd + "]");
          }
          panes.add(WindowPaneCodec.decode(event.payloadView()));
        }
      }
    }
    return new Panes(panes);
  }

  public List<WindowPane> all() {
    return all;
  }

  /** The newest pane of each (instance, metric, bucket), as a reader keeps them. */
  public Collection<WindowPane> newest() {
    Map<String, WindowPane> newest = new HashMap<>();
    for (WindowPane p : all) {
      newest.merge(p.instanceId() + "|" + p.metric() + "|" + p.bucketStart(), p,
          (a, b) -> b.paneVersion() > a.paneVersion() ? b : a);
    }
    return newest.values();
  }

  /** Sum of the series values of {@code metric} over the newest panes (samples, or counter increases). */
  public double total(String metric) {
    return newest().stream().filter(p -> p.metric().equals(metric))
        .flatMap(p -> p.series().stream()).mapToDouble(WindowPane.Series::value).sum();
  }

  public double total(String metric, Map<String, String> labels) {
    return newest().stream().filter(p -> p.metric().equals(metric))
        .flatMap(p -> p.series().stream()).filter(s -> s.labels().equals(labels))
        .mapToDouble(WindowPane.Series::value).sum();
  }

  /** The merge of every newest pane's sketch of {@code metric}. */
  public LatencySketch merged(String metric) {
    LatencySketch merged = new LatencySketch();
    newest().stream().filter(p -> p.metric().equals(metric))
        .flatMap(p -> p.series().stream()).forEach(s -> merged.merge(s.sketch()));
    return merged;
  }
}
