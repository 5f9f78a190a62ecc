package dev.rtvoice.sessions.owner;

import dev.rtvoice.common.event.EventType;
import dev.rtvoice.common.event.payload.LatencySampleCodec;
import dev.rtvoice.common.event.payload.LatencySamplePayload;
import dev.rtvoice.common.kafka.ConsumedEvent;
import dev.rtvoice.sessions.domain.Decision;
import dev.rtvoice.sessions.domain.Phase;
import dev.rtvoice.sessions.domain.SessionState;
import dev.rtvoice.sessions.kafka.EnvelopeWriter;
import dev.rtvoice.sessions.kafka.SessionEvents;
import dev.rtvoice.sessions.kafka.WriteFailures;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * What one unit of work (a batch of commands, one command applied alone, or a round of deadlines)
 * changed, per session: its state before (to roll it back if its writes fail), the derived events and
 * latency samples to publish, the replies, the effects to run once everything is durable, and the
 * command records it applied (to apply them again one by one when the session's writes fail for a
 * reason that would fail again). Plus the records to dead-letter.
 *
 * <p>Derived events get deterministic ids (from the command's id and their position), so when a batch
 * is applied again after a crash the events it writes again carry the same {@code event_id}, and
 * consumers, idempotent on it, count them once.
 */
final class Changes {
  static final String SOURCE = "session-service";

  /** A touched session and how it was before this unit. */
  static final class Touched {
    final String sessionId;
    final OwnedSession owned;
    final SessionState before;
    final long anchorBefore;
    final Phase phaseBefore;
    final List<JsonObject> replies = new ArrayList<>(0);
    final List<Decision.Effect> effects = new ArrayList<>(0);
    /** The derived events and samples, encoded when collected (what the decision said at that moment). */
    final List<Buffer> events = new ArrayList<>();
    final List<Decision.Emitted> emitted = new ArrayList<>();
    final List<Buffer> samples = new ArrayList<>(0);
    final List<String> sampleStages = new ArrayList<>(0);
    final List<Decision.Outcome> outcomes = new ArrayList<>();
    /** The command records of this session this unit applied (or skipped once it failed), in order. */
    final List<ConsumedEvent> records = new ArrayList<>(1);
    boolean tombstone;
    /** Why this session's change cannot be written (it would fail the same way again), or null. */
    String failure;
    String failureKind;

    Touched(String sessionId, OwnedSession owned, boolean created) {
      this.sessionId = sessionId;
      this.owned = owned;
      this.before = created ? null : owned.state.copy();
      this.anchorBefore = owned.anchorWallMs;
      this.phaseBefore = created ? null : owned.state.phase();
    }

    boolean created() {
      return before == null;
    }

    void fail(String kind, String reason) {
      if (failure == null) {
        failureKind = kind;
        failure = reason;
      }
    }
  }

  /** A record that goes to {@code <topic>.dlq}, with why. */
  record DeadLetter(ConsumedEvent record, String kind, String reason) {}

  final Instant now;
  final Map<String, Touched> touched = new LinkedHashMap<>();
  final List<DeadLetter> deadLetters = new ArrayList<>(0);
  int replaySkipped;

  Changes(Instant now) {
    this.now = now;
  }

  boolean isEmpty() {
    return touched.isEmpty() && deadLetters.isEmpty() && replaySkipped == 0;
  }

  Touched created(String sessionId, OwnedSession owned) {
    Touched t = new Touched(sessionId, owned, true);
    touched.put(sessionId, t);
    return t;
  }

  /** Remembers the session as it is now, the first time this unit touches it. */
  Touched touch(String sessionId, OwnedSession owned) {
    return touched.computeIfAbsent(sessionId, k -> new Touched(sessionId, owned, false));
  }

  void untouch(String sessionId) {
    touched.remove(sessionId);
  }

  void deadLetter(ConsumedEvent record, String kind, String reason) {
    deadLetters.add(new DeadLetter(record, kind, reason));
  }

  /** Collects a decision's outputs; {@code keyBase} makes the derived events' ids deterministic. */
  void collect(String sessionId, Decision d, String keyBase) {
    collect(sessionId, d, keyBase, now);
  }

  /**
   * As above, for a decision on a client's command: its outputs carry the time the ingress recorded
   * the command as {@code recorded_at} (the suite's first record of it, as the envelope defines), not
   * the time the owner got to apply it. So a delay the suite caused (a broker outage between ingress
   * and owner) shows downstream as pipeline delay, never as the client's lateness, and a replay of the
   * log derives the same events.
   */
  void collect(String sessionId, Decision d, String keyBase, Instant commandRecordedAt) {
    Instant recordedAt = commandRecordedAt.isAfter(now) ? now : commandRecordedAt;
    Touched t = touched.get(sessionId);
    t.outcomes.add(d.outcome());
    int n = 0;
    try {
      // encoded now, straight from the decision's payload record through the shared codec (no envelope,
      // no deep copy): the bytes are what the decision said, whatever the session does later in this unit
      for (Decision.Emitted e : d.events()) {
        t.events.add(SessionEvents.encode(idOf(keyBase, n++), sessionId, e, recordedAt, SOURCE));
        t.emitted.add(e);
      }
      for (Decision.LatencySample s : d.samples()) {
        // the shared codec of latency.sample: metrics-service reads with the same one
        Map<String, Object> payload = LatencySampleCodec.encode(new LatencySamplePayload(s.stage(),
            (double) s.valueMs(), (long) s.turn(), s.platform(), null)).getMap();
        t.samples.add(EnvelopeWriter.encode(idOf(keyBase, n++), EventType.LATENCY_SAMPLE,
            EventType.LATENCY_SAMPLE.currentVersion(), sessionId, Instant.ofEpochMilli(s.occurredAtMs()), recordedAt,
            SOURCE, payload));
        t.sampleStages.add(s.stage());
      }
    } catch (RuntimeException e) {
      // too large or refused by the codec: it would be the same on every retry (see the owner's write)
      t.fail(WriteFailures.kind(e), "its change cannot be encoded: " + e.getMessage());
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
    return nameUuid((keyBase + "/" + n).getBytes(StandardCharsets.UTF_8));
  }

  /**
   * {@link UUID#nameUUIDFromBytes} (version 3, the same ids as ever), with a digest kept per thread:
   * looking the MD5 provider up on every derived event was 2 % of the owner's CPU in the profile.
   */
  static UUID nameUuid(byte[] name) {
    byte[] md5 = MD5.get().digest(name);
    md5[6] = (byte) ((md5[6] & 0x0f) | 0x30);
    md5[8] = (byte) ((md5[8] & 0x3f) | 0x80);
    long msb = 0;
    long lsb = 0;
    for (int i = 0; i < 8; i++) {
      msb = (msb << 8) | (md5[i] & 0xff);
      lsb = (lsb << 8) | (md5[i + 8] & 0xff);
    }
    return new UUID(msb, lsb);
  }

  private static final ThreadLocal<java.security.MessageDigest> MD5 = ThreadLocal.withInitial(() -> {
    try {
      return java.security.MessageDigest.getInstance("MD5");
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new InternalError("MD5 is a required algorithm of every Java platform", e);
    }
  });
}
