package dev.rtvoice.e2e.outage;

import dev.rtvoice.e2e.harness.Suite;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.function.BooleanSupplier;

/**
 * A frontend reporting latency to metrics-service as the client library's telemetry reporter does:
 * the samples of a turn each second go into a bounded buffer; a batch of up to 100 is posted with an
 * idempotency key of its own, and a batch that did not get a final answer is sent again whole, with
 * the same key. What counts is what metrics-service answered 200 for: the samples it accepted, per
 * stage; those, and only those, must be in its counters and views, once.
 */
final class TelemetrySender {
  /** The body field the client library sends its batch key in. */
  static final String IDEMPOTENCY_FIELD = "batch_id";
  static final String PLATFORM = "outage-run";
  static final List<String> STAGES = List.of("capture", "uplink", "downlink", "playback", "first_audio", "full_turn");
  private static final int MAX_BATCH = 100;
  private static final int MAX_BUFFER = 2_000;

  private final Suite suite;
  private final RetryingClient client;
  private final Issued issued;
  private final Random random;
  private final Deque<JsonObject> buffer = new ArrayDeque<>();
  private final Map<String, Long> acceptedByStage = new TreeMap<>();
  private final Map<String, Long> rejectedByReason = new TreeMap<>();
  private final List<String> failures = new ArrayList<>();
  private long droppedByClient;
  private long batches;
  private int turn;

  TelemetrySender(Suite suite, RetryingClient client, Issued issued, long seed) {
    this.suite = suite;
    this.client = client;
    this.issued = issued;
    this.random = new Random(seed);
  }

  /** A turn's samples, one per stage, at the wall clock: called once a second while the run lasts. */
  synchronized void recordTurn() {
    long now = System.currentTimeMillis();
    turn++;
    double firstAudio = 600 + random.nextInt(400);
    for (String stage : STAGES) {
      double value = switch (stage) {
        case "capture", "uplink" -> 40 + random.nextInt(60);
        case "downlink" -> 20 + random.nextInt(60);
        case "playback" -> 50 + random.nextInt(100);
        case "first_audio" -> firstAudio;
        default -> firstAudio + 1_500;
      };
      buffer.addLast(new JsonObject().put("stage", stage).put("value_ms", value).put("turn", turn)
          .put("occurred_at", now).put("platform", PLATFORM));
      if (buffer.size() > MAX_BUFFER) {
        buffer.removeFirst();
        droppedByClient++;
      }
    }
  }

  /** Sends batches while {@code running}, then what is left. */
  void send(BooleanSupplier running) {
    while (running.getAsBoolean() || !bufferEmpty()) {
      List<JsonObject> batch = takeBatch();
      if (batch.isEmpty()) {
        RetryingClient.sleep(250);
        continue;
      }
      post(batch);
    }
  }

  private void post(List<JsonObject> samples) {
    String key = UUID.randomUUID().toString();
    String body = new JsonObject().put("session_id", issued.sessionId()).put(IDEMPOTENCY_FIELD, key)
        .put("samples", new JsonArray(new ArrayList<>(samples))).encode();
    RetryingClient.Outcome o = client.post(suite.metricsUrl + "/v1/telemetry", body,
        "Authorization", "Bearer " + issued.rotationToken());
    synchronized (this) {
      batches++;
      if (o.status() != 200) {
        failures.add("telemetry batch " + key + " answered " + o.status() + " after " + o.attempts() + " attempts: "
            + o.body());
        return;
      }
      JsonObject answer = new JsonObject(o.body());
      Set<Integer> rejected = new HashSet<>();
      for (Object r : answer.getJsonArray("rejections", new JsonArray())) {
        JsonObject rejection = (JsonObject) r;
        rejected.add(rejection.getInteger("index"));
        rejectedByReason.merge(rejection.getString("reason"), 1L, Long::sum);
      }
      long accepted = 0;
      for (int i = 0; i < samples.size(); i++) {
        if (!rejected.contains(i)) {
          acceptedByStage.merge(samples.get(i).getString("stage"), 1L, Long::sum);
          accepted++;
        }
      }
      if (accepted != answer.getLong("accepted", -1L)) {
        failures.add("telemetry batch " + key + ": 'accepted' " + answer.getLong("accepted") + " but " + accepted
            + " samples without a rejection");
      }
    }
  }

  private synchronized List<JsonObject> takeBatch() {
    List<JsonObject> batch = new ArrayList<>();
    while (batch.size() < MAX_BATCH && !buffer.isEmpty()) {
      batch.add(buffer.removeFirst());
    }
    return batch;
  }

  private synchronized boolean bufferEmpty() {
    return buffer.isEmpty();
  }

  synchronized Map<String, Long> acceptedByStage() {
    return new TreeMap<>(acceptedByStage);
  }

  synchronized Map<String, Long> rejectedByReason() {
    return new TreeMap<>(rejectedByReason);
  }

  synchronized List<String> failures() {
    return List.copyOf(failures);
  }

  synchronized long droppedByClient() {
    return droppedByClient;
  }

  synchronized long batches() {
    return batches;
  }
}
