package dev.rtvoice.sessions.bench;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.LogDirDescription;
import org.apache.kafka.clients.admin.ReplicaInfo;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Write amplification, from the broker: records (end offsets) and bytes on disk (log sizes, as stored:
 * compressed batches with their headers) of each of the service's topics, read before and after a
 * measured run.
 */
final class WrittenRecords {
  private static final List<String> TOPICS = List.of("realtime.session.commands", "realtime.session.events",
      "realtime.session.state", "realtime.latency.samples");

  private WrittenRecords() {}

  /** Per topic: {records, bytes}. */
  static Map<String, long[]> of(BenchSupport bench) throws Exception {
    Properties props = new Properties();
    props.put("bootstrap.servers", bench.broker.bootstrapServers());
    Map<String, long[]> out = new HashMap<>();
    try (Admin admin = Admin.create(props);
         KafkaConsumer<byte[], byte[]> consumer =
             new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> partitions = new ArrayList<>();
      for (String t : TOPICS) {
        String topic = bench.prefix + t;
        consumer.partitionsFor(topic).forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
        out.put(t, new long[2]);
      }
      consumer.endOffsets(partitions).forEach((tp, end) -> out.get(logical(bench, tp.topic()))[0] += end);
      Map<Integer, Map<String, LogDirDescription>> dirs = admin.describeLogDirs(
          admin.describeCluster().nodes().get().stream().map(n -> n.id()).toList()).allDescriptions().get();
      for (Map<String, LogDirDescription> byDir : dirs.values()) {
        for (LogDirDescription d : byDir.values()) {
          for (Map.Entry<org.apache.kafka.common.TopicPartition, ReplicaInfo> e : d.replicaInfos().entrySet()) {
            String topic = e.getKey().topic();
            if (topic.startsWith(bench.prefix) && out.containsKey(logical(bench, topic))) {
              out.get(logical(bench, topic))[1] += e.getValue().size();
            }
          }
        }
      }
    }
    return out;
  }

  static void report(Map<String, long[]> before, Map<String, long[]> after, long clientEvents) {
    long records = 0;
    long bytes = 0;
    StringBuilder line = new StringBuilder();
    for (String t : TOPICS) {
      long r = after.get(t)[0] - before.get(t)[0];
      long b = after.get(t)[1] - before.get(t)[1];
      records += r;
      bytes += b;
      line.append(String.format(java.util.Locale.ROOT, "%n  %-28s %,10d records (%.3f per client event), %,13d bytes (%.0f per client event)",
          t, r, r / (double) clientEvents, b, b / (double) clientEvents));
    }
    System.out.printf(java.util.Locale.ROOT, "written per client event (%,d events):%s%n  %-28s %,10d records (%.3f per client event), %,13d bytes (%.0f per client event)%n",
        clientEvents, line, "total", records, records / (double) clientEvents, bytes, bytes / (double) clientEvents);
  }

  /** Where a write's time goes, from the service's producers' own metrics (kafka-clients' JMX beans). */
  static void producers() throws Exception {
    javax.management.MBeanServer server = java.lang.management.ManagementFactory.getPlatformMBeanServer();
    for (javax.management.ObjectName name : server.queryNames(
        new javax.management.ObjectName("kafka.producer:type=producer-metrics,client-id=session-service-*"), null)) {
      StringBuilder line = new StringBuilder(name.getKeyProperty("client-id"));
      for (String a : List.of("record-queue-time-avg", "request-latency-avg", "records-per-request-avg",
          "batch-size-avg", "request-rate", "record-send-rate")) {
        line.append(String.format(java.util.Locale.ROOT, ", %s %.1f", a, (Double) server.getAttribute(name, a)));
      }
      System.out.println("producer " + line);
    }
  }

  private static String logical(BenchSupport bench, String topic) {
    return topic.substring(bench.prefix.length());
  }
}
