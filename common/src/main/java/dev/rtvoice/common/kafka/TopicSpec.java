package dev.rtvoice.common.kafka;

import java.util.HashMap;
import java.util.Map;

/**
 * A topic and the settings it is created with when missing.
 *
 * @param retentionMs {@code retention.ms}; -1 keeps records forever
 * @param compacted log compaction instead of deletion (latest value per key is kept)
 */
public record TopicSpec(String name, int partitions, short replicationFactor, long retentionMs, boolean compacted) {

  public TopicSpec {
    if (name == null || name.isBlank()) {
      throw new IllegalArgumentException("topic name is blank");
    }
    if (partitions < 1) {
      throw new IllegalArgumentException(name + ": partitions must be at least 1");
    }
    if (replicationFactor < 1) {
      throw new IllegalArgumentException(name + ": replication factor must be at least 1");
    }
  }

  /** The broker-side configuration of the topic. */
  public Map<String, String> config() {
    Map<String, String> config = new HashMap<>();
    config.put("cleanup.policy", compacted ? "compact" : "delete");
    config.put("retention.ms", Long.toString(retentionMs));
    if (replicationFactor > 1) {
      // with acks=all, a write then survives the loss of one replica
      config.put("min.insync.replicas", Integer.toString(Math.min(2, replicationFactor)));
    }
    if (compacted) {
      // tombstones of ended sessions stay long enough for every restoring instance to see them
      config.put("delete.retention.ms", Long.toString(24 * 3600 * 1000L));
    }
    return config;
  }
}
