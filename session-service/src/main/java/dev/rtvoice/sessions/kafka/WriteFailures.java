package dev.rtvoice.sessions.kafka;

import dev.rtvoice.common.event.InvalidEventException;
import io.vertx.core.json.EncodeException;
import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.errors.InvalidTopicException;
import org.apache.kafka.common.errors.RecordBatchTooLargeException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.SerializationException;

/**
 * Tells a write that would fail the same way however often it is retried (the record is too large,
 * unreadable, rejected by the codec or the broker as invalid) from one worth retrying (the broker is
 * away, a leader moved, a timeout). Retrying the first kind forever would stall everything behind it.
 */
public final class WriteFailures {
  private WriteFailures() {}

  public static boolean deterministic(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof InvalidEventException || t instanceof RecordTooLargeException
          || t instanceof RecordBatchTooLargeException || t instanceof InvalidRecordException
          || t instanceof SerializationException || t instanceof InvalidTopicException
          || t instanceof EncodeException || t instanceof IllegalArgumentException) {
        return true;
      }
    }
    return false;
  }

  /** A short label for metrics: what kind of deterministic failure. */
  public static String kind(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof RecordTooLargeException || t instanceof RecordBatchTooLargeException
          || (t instanceof InvalidEventException && String.valueOf(t.getMessage()).contains("exceeds"))) {
        return "too_large";
      }
    }
    return "rejected";
  }
}
