package dev.rtvoice.sessions.kafka;

import dev.rtvoice.common.event.EventCodec;
import dev.rtvoice.common.event.EventEnvelope;
import dev.rtvoice.common.event.EventType;
import dev.rtvoice.common.event.InvalidEventException;
import dev.rtvoice.common.kafka.KafkaSettings;
import dev.rtvoice.common.kafka.TopicLog;
import dev.rtvoice.sessions.domain.Advice;
import dev.rtvoice.sessions.domain.Phase;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every instance's read view of every session: it follows the compacted {@code realtime.session.state}
 * from the beginning, so {@code GET} answers for any session on any instance, and the owner restores
 * newly assigned sessions from it. Snapshots are kept as encoded bytes without their null, zero and
 * empty fields ({@link CompactSnapshot}; put back and decoded only when read). A snapshot older (by {@code version}) than the one held is ignored, so a late write
 * cannot move a session back.
 *
 * <p>It also delivers the owner's replies: an interrupt or recovery command's outcome travels in the
 * {@code replies} of the snapshot written after it was applied, and whichever instance took the HTTP
 * request is waiting for it here. Thread-safe: the {@link TopicLog} hands records over on the view's
 * context, readers run on theirs.
 */
public final class StateView {
  private static final Logger LOG = LoggerFactory.getLogger(StateView.class);

  /**
   * One session as the view holds it.
   *
   * @param liveCall the session holds an upstream call that still runs (not ENDED, the call not gone)
   */
  public record Entry(String sessionId, Phase phase, long version, int commandPartition, long eventTimeMs,
                      Advice advice, byte[] snapshot, CompactSnapshot.Shape shape, String userId, String tenantId,
                      long startedAtMs, boolean liveCall) {
    /** The snapshot as written (the fields left out of the stored bytes put back). */
    public JsonObject snapshotJson() {
      return CompactSnapshot.json(snapshot, shape);
    }
  }

  private record Waiter(Context context, Promise<JsonObject> promise) {}

  private final Vertx vertx;
  private final KafkaSettings settings;
  private final String topic;
  private final ConcurrentSkipListMap<String, Entry> entries = new ConcurrentSkipListMap<>();
  private final ConcurrentHashMap<String, Waiter> waiters = new ConcurrentHashMap<>();
  /** Sessions with a live call, by user and by tenant: the concurrency budgets count them. */
  private final ConcurrentHashMap<String, Set<String>> liveByUser = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, Set<String>> liveByTenant = new ConcurrentHashMap<>();
  private final Counter invalidRecords;
  private final Counter staleSnapshots;
  private volatile TopicLog log;
  private volatile boolean initialCatchUp;

  public StateView(Vertx vertx, KafkaSettings settings, String topic, MeterRegistry registry) {
    this.vertx = vertx;
    this.settings = settings;
    this.topic = topic;
    this.invalidRecords = Counter.builder("session_state_view_invalid_records_total")
        .description("Records on the state topic that are not session snapshots").register(registry);
    this.staleSnapshots = Counter.builder("session_state_view_stale_snapshots_total")
        .description("Snapshots ignored because a newer version of the session was already held").register(registry);
    Gauge.builder("session_state_view_sessions", entries, Map::size)
        .description("Sessions in this instance's read view (all instances' sessions)").register(registry);
  }

  /**
   * Starts following the topic; completes once the view has read everything present at start. A
   * failed start (the topic not there yet) can be tried again: it reads the topic anew.
   */
  public Future<Void> start() {
    TopicLog previous = log;
    TopicLog next = TopicLog.builder(vertx, settings, topic)
        .clientName("state-view")
        .handler(r -> apply(r.key(), r.value()))
        .build();
    log = next;
    return (previous == null ? Future.<Void>succeededFuture() : previous.stop())
        .compose(v -> next.start())
        .compose(v -> next.readToEnd())
        .onSuccess(v -> {
          initialCatchUp = true;
          LOG.info("state view caught up: {} sessions", entries.size());
        });
  }

  public Future<Void> stop() {
    TopicLog current = log;
    return current == null ? Future.succeededFuture() : current.stop();
  }

  /** Whether the view has read the whole topic once (readiness). */
  public boolean ready() {
    return initialCatchUp;
  }

  /** Completes when the view has read everything written to the topic before this call. */
  public Future<Void> caughtUp() {
    TopicLog current = log;
    return current == null
        ? Future.failedFuture(new IllegalStateException("state view not started"))
        : current.readToEnd();
  }

  public Optional<Entry> get(String sessionId) {
    return Optional.ofNullable(entries.get(sessionId));
  }

  public int size() {
    return entries.size();
  }

  /** Sessions in id order after {@code after} (exclusive), optionally of one phase. */
  public List<Entry> page(Phase phase, String after, int limit) {
    List<Entry> out = new ArrayList<>(Math.min(limit, 64));
    Iterator<Entry> it = (after == null ? entries : entries.tailMap(after, false)).values().iterator();
    while (it.hasNext() && out.size() < limit) {
      Entry e = it.next();
      if (phase == null || e.phase() == phase) {
        out.add(e);
      }
    }
    return out;
  }

  /** Sessions whose last command came from one of {@code commandPartitions} (a restore). */
  public List<Entry> ofPartitions(Set<Integer> commandPartitions) {
    List<Entry> out = new ArrayList<>();
    for (Entry e : entries.values()) {
      if (commandPartitions.contains(e.commandPartition())) {
        out.add(e);
      }
    }
    return out;
  }

  /** The sessions of {@code userId} holding a live call, as the view knows them now (every instance's). */
  public List<Entry> liveCallsOfUser(String userId) {
    return liveOf(liveByUser, userId);
  }

  /** The sessions of {@code tenantId} holding a live call. */
  public List<Entry> liveCallsOfTenant(String tenantId) {
    return liveOf(liveByTenant, tenantId);
  }

  private List<Entry> liveOf(ConcurrentHashMap<String, Set<String>> index, String key) {
    Set<String> ids = key == null ? null : index.get(key);
    if (ids == null) {
      return List.of();
    }
    List<Entry> out = new ArrayList<>(ids.size());
    for (String id : ids) {
      Entry e = entries.get(id);
      if (e != null && e.liveCall()) {
        out.add(e);
      }
    }
    return out;
  }

  private void index(Entry before, Entry after) {
    if (before != null && before.liveCall() && (after == null || !after.liveCall()
        || !java.util.Objects.equals(before.userId(), after.userId())
        || !java.util.Objects.equals(before.tenantId(), after.tenantId()))) {
      unindex(liveByUser, before.userId(), before.sessionId());
      unindex(liveByTenant, before.tenantId(), before.sessionId());
    }
    if (after != null && after.liveCall()) {
      if (after.userId() != null) {
        liveByUser.computeIfAbsent(after.userId(), k -> ConcurrentHashMap.newKeySet()).add(after.sessionId());
      }
      if (after.tenantId() != null) {
        liveByTenant.computeIfAbsent(after.tenantId(), k -> ConcurrentHashMap.newKeySet()).add(after.sessionId());
      }
    }
  }

  private static void unindex(ConcurrentHashMap<String, Set<String>> index, String key, String sessionId) {
    if (key == null) {
      return;
    }
    index.computeIfPresent(key, (k, ids) -> {
      ids.remove(sessionId);
      return ids.isEmpty() ? null : ids;
    });
  }

  /**
   * Registers interest in the reply to command {@code commandId}; call before publishing the command.
   * The future completes on the caller's context; call {@link #forget} if you stop waiting.
   */
  public Future<JsonObject> awaitReply(String commandId) {
    Promise<JsonObject> p = Promise.promise();
    waiters.put(commandId, new Waiter(vertx.getOrCreateContext(), p));
    return p.future();
  }

  public void forget(String commandId) {
    waiters.remove(commandId);
  }

  private void apply(String key, Buffer value) {
    if (key == null) {
      invalidRecords.increment();
      return;
    }
    if (value == null) {
      index(entries.remove(key), null);
      return;
    }
    EventEnvelope env;
    try {
      env = EventCodec.decode(value);
    } catch (InvalidEventException e) {
      invalidRecords.increment();
      LOG.debug("not a snapshot on {}: {}", topic, e.getMessage());
      return;
    }
    if (env.type() != EventType.SESSION_STATE || !key.equals(env.sessionId())) {
      invalidRecords.increment();
      return;
    }
    JsonObject p = env.payloadView();
    deliverReplies(p.getJsonArray("replies"));
    try {
      long version = p.getLong("version");
      Entry held = entries.get(key);
      if (held != null && held.version() >= version) {
        staleSnapshots.increment();
        return;
      }
      Map<String, Object> copy = new LinkedHashMap<>(p.getMap());
      copy.remove("replies");
      Phase phase = Phase.parse(p.getString("phase"));
      // from the copy, before compaction drops its null and false fields
      Advice advice = Advice.ofSnapshot(copy);
      String user = p.getValue("user_id") instanceof String u ? u : null;
      String tenant = p.getValue("tenant_id") instanceof String t ? t : null;
      boolean live = phase != Phase.ENDED && p.getValue("call_id") instanceof String
          && !Boolean.TRUE.equals(p.getValue("call_gone"));
      long started = p.getValue("started_at_ms") instanceof Number n ? n.longValue() : 0;
      CompactSnapshot.Stored stored = CompactSnapshot.of(copy);
      Entry entry = new Entry(key, phase, version, p.getInteger("command_partition"), p.getLong("event_time_ms"),
          advice, stored.bytes(), stored.shape(), user, tenant, started, live);
      index(entries.put(key, entry), entry);
    } catch (RuntimeException e) {
      invalidRecords.increment();
      LOG.debug("unreadable snapshot of {}: {}", key, e.toString());
    }
  }

  private void deliverReplies(JsonArray replies) {
    if (replies == null || waiters.isEmpty()) {
      return;
    }
    for (int i = 0; i < replies.size(); i++) {
      JsonObject reply = replies.getJsonObject(i);
      Waiter w = waiters.remove(reply.getString("command_id"));
      if (w != null) {
        w.context().runOnContext(v -> w.promise().tryComplete(reply));
      }
    }
  }
}
