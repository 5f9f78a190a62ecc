package dev.rtvoice.sessions.owner;

import dev.rtvoice.common.event.EventEnvelope;
import dev.rtvoice.common.event.EventType;
import dev.rtvoice.common.kafka.ConsumedEvent;
import dev.rtvoice.sessions.domain.Decision;
import dev.rtvoice.sessions.domain.Phase;
import dev.rtvoice.sessions.domain.SessionState;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * What one unit of work (a batch of commands, or a round of deadlines) changed: the sessions it
 * touched with their state before (to roll back if the writes fail), the derived events and latency
 * samples to publish, the replies, and the effects to run once everything is durable.
 *
 * <p>Derived events get deterministic ids (from the command's id and their position), so when a batch
 * is applied again after a crash the events it writes again carry the same {@code event_id}, and
 * consumers, idempotent on it, count them once.
 */
final class Changes {
  static final String SOURCE = "session-service";

  /** A touched session and how it was before this unit. */
  static final class Touched {
    final OwnedSession owned;
    final SessionState before;
    final long anchorBefore;
    final Phase phaseBefore;
    final List<JsonObject> replies = new ArrayList<>(0);
    final List<Decision.Effect> effects = new ArrayList<>(0);
    boolean tombstone;

    Touched(OwnedSession owned, boolean created) {
      this.owned = owned;
      this.before = created ? null : owned.state.copy();
      this.anchorBefore = owned.anchorWallMs;
      this.phaseBefore = created ? null : owned.state.phase();
    }
  }

  final Instant now;
  final Map<String, Touched> touched = new LinkedHashMap<>();
  final List<EventEnvelope> events = new ArrayList<>();
  final List<Decision.Emitted> emitted = new ArrayList<>();
  final List<EventEnvelope> samples = new ArrayList<>();
  final List<String> sampleStages = new ArrayList<>();
  final List<Decision.Outcome> outcomes = new ArrayList<>();
  final List<ConsumedEvent> invalid = new ArrayList<>();
  final Map<ConsumedEvent, String> invalidReasons = new HashMap<>();
  int replaySkipped;

  Changes(Instant now) {
    this.now = now;
  }

  boolean isEmpty() {
    return touched.isEmpty() && invalid.isEmpty();
  }

  void created(String sessionId, OwnedSession owned) {
    touched.put(sessionId, new Touched(owned, true));
  }

  /** Remembers the session as it is now, the first time this unit touches it. */
  void touch(String sessionId, OwnedSession owned) {
    touched.computeIfAbsent(sessionId, k -> new Touched(owned, false));
  }

  void untouch(String sessionId) {
    touched.remove(sessionId);
  }

  void invalid(ConsumedEvent record, String reason) {
    invalid.add(record);
    invalidReasons.put(record, reason);
  }

  /** Collects a decision's outputs; {@code keyBase} makes the derived events' ids deterministic. */
  void collect(String sessionId, Decision d, String keyBase) {
    Touched t = touched.get(sessionId);
    outcomes.add(d.outcome());
    int n = 0;
    for (Decision.Emitted e : d.events()) {
      events.add(new EventEnvelope(idOf(keyBase, n++), e.type(), e.type().currentVersion(), sessionId,
          Instant.ofEpochMilli(e.occurredAtMs()), now, SOURCE, new JsonObject(e.payload())));
      emitted.add(e);
    }
    for (Decision.LatencySample s : d.samples()) {
      JsonObject payload = new JsonObject()
          .put("stage", s.stage())
          .put("value_ms", s.valueMs())
          .put("turn", s.turn())
          .put("platform", s.platform());
      samples.add(new EventEnvelope(idOf(keyBase, n++), EventType.LATENCY_SAMPLE,
          EventType.LATENCY_SAMPLE.currentVersion(), sessionId, Instant.ofEpochMilli(s.occurredAtMs()), now, SOURCE,
          payload));
      sampleStages.add(s.stage());
    }
    for (Decision.Effect e : d.effects()) {
      if (e instanceof Decision.Effect.Tombstone) {
        t.tombstone = true;
      } else if (!(e instanceof Decision.Effect.CancelUpstream)) {
        t.effects.add(e);
      }
    }
  }

  void reply(String sessionId, String commandId, Map<String, Object> reply) {
    touched.get(sessionId).replies.add(new JsonObject(new LinkedHashMap<>(reply)).put("command_id", commandId));
  }

  static UUID idOf(String keyBase, int n) {
    return UUID.nameUUIDFromBytes((keyBase + "/" + n).getBytes(StandardCharsets.UTF_8));
  }
}
