package dev.rtvoice.metrics.domain;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Puts each voice turn together from its stage samples and the session events that fall in it, in
 * a bounded buffer, and hands it out as an {@link AssembledTurn} when its {@code full_turn} sample
 * arrives or when nothing was added to it for the quiet timeout.
 *
 * <p>Bounds, all counted when they bite: turns per session and bytes per session (a client that
 * opens turn after turn evicts its own oldest, never another session's), turns and bytes in total
 * (the oldest turn of all is evicted), stages and events per turn. An evicted turn is dropped, not
 * exported. A sample or event of a turn already handed out is dropped (a late copy would only make
 * a second, partial trace of the same id).
 *
 * <p>Session events carry no turn: an event belongs to the newest turn its session has seen (from
 * its samples or its {@code session.phase_changed}). Plain Java, no clock of its own, not thread-safe.
 */
public final class TurnAssembler {
  /** What the buffer may hold. */
  public record Limits(int maxTurns, long maxBytes, int sessionMaxTurns, long sessionMaxBytes, int turnMaxEvents,
                       long quietMs) {
    public Limits {
      if (maxTurns < 1 || maxBytes < 1 || sessionMaxTurns < 1 || sessionMaxBytes < 1 || turnMaxEvents < 0
          || quietMs < 1) {
        throw new IllegalArgumentException("trace buffer limits must be positive");
      }
    }

    public static Limits defaults() {
      return new Limits(10_000, 16L << 20, 4, 16L << 10, 16, 10_000);
    }
  }

  /** Why a turn or an item was dropped. */
  public enum Drop {
    /** A session had more open turns or bytes than its share: its oldest turn went. */
    SESSION_LIMIT,
    /** The buffer was full: the oldest turn of all went. */
    TOTAL_LIMIT,
    /** A sample or event of a turn already exported. */
    LATE,
    /** A session event before any turn of its session was seen. */
    NO_TURN,
    /** A stage seen twice in a turn, or more events than a turn may hold. */
    DUPLICATE_OR_FULL
  }

  /** Fixed estimate of a buffered turn, a stage and an event, besides their strings (two bytes a char). */
  static final long TURN_BYTES = 256;
  static final long STAGE_BYTES = 64;
  static final long EVENT_BYTES = 96;

  private final Limits limits;
  /** Open turns, oldest first. */
  private final LinkedHashMap<Key, Pending> pending = new LinkedHashMap<>();
  private final Map<String, SessionState> sessions = new HashMap<>();
  /** The newest turn handed out per session (bounded: the oldest sessions are forgotten). */
  private final LinkedHashMap<String, Long> exported;
  private final EnumMap<Drop, Long> drops = new EnumMap<>(Drop.class);
  private long bytes;

  public TurnAssembler(Limits limits) {
    this.limits = Objects.requireNonNull(limits);
    int remembered = limits.maxTurns();
    this.exported = new LinkedHashMap<>(16, 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<String, Long> eldest) {
        return size() > remembered;
      }
    };
    for (Drop d : Drop.values()) {
      drops.put(d, 0L);
    }
  }

  /** Takes a stage sample; returns the turn if this completed it (its {@code full_turn}). */
  public AssembledTurn sample(LatencySample s, long nowMs) {
    Pending turn = open(s.sessionId(), s.turn(), nowMs);
    if (turn == null) {
      return null;
    }
    if (turn.stages.containsKey(s.stage())) {
      drop(Drop.DUPLICATE_OR_FULL);
      return null;
    }
    long end = s.occurredAtMs() * 1_000_000L;
    long start = end - Math.round(s.valueMs() * 1_000_000);
    turn.stages.put(s.stage(), new AssembledTurn.StageSpan(s.stage(),
        TurnTraceIds.stageSpanId(turn.traceId, s.stage().wireName()), start, end, s.valueMs()));
    if (turn.platform == null) {
      turn.platform = s.platform();
      grow(turn, chars(s.platform()));
    }
    if (turn.model == null && s.model() != null) {
      turn.model = s.model();
      grow(turn, chars(s.model()));
    }
    grow(turn, STAGE_BYTES);
    turn.lastUpdateMs = nowMs;
    if (s.stage() == Stage.FULL_TURN) {
      return close(turn, true);
    }
    enforceSessionBytes(turn.key.sessionId);
    enforceTotal();
    return null;
  }

  /** The session is in this turn now ({@code session.phase_changed}): later events belong to it. */
  public void turnSeen(String sessionId, long turn, long nowMs) {
    SessionState state = sessions.get(sessionId);
    if (state == null) {
      Long done = exported.get(sessionId);
      if ((done != null && turn <= done) || sessions.size() >= limits.maxTurns()) {
        return;
      }
      state = new SessionState();
      sessions.put(sessionId, state);
    }
    state.currentTurn = Math.max(state.currentTurn, turn);
    state.touchedMs = nowMs;
  }

  /** A session event of the session's current turn (interrupted, recovered, reconnect, ...). */
  public void event(String sessionId, String name, long occurredAtMs, Map<String, String> attributes, long nowMs) {
    SessionState state = sessions.get(sessionId);
    if (state == null || state.currentTurn < 0) {
      drop(Drop.NO_TURN);
      return;
    }
    Pending turn = open(sessionId, state.currentTurn, nowMs);
    if (turn == null) {
      return;
    }
    if (turn.events.size() >= limits.turnMaxEvents()) {
      drop(Drop.DUPLICATE_OR_FULL);
      return;
    }
    long size = EVENT_BYTES + chars(name);
    for (Map.Entry<String, String> a : attributes.entrySet()) {
      size += chars(a.getKey()) + chars(a.getValue());
    }
    turn.events.add(new AssembledTurn.TurnEvent(name, occurredAtMs * 1_000_000L, Map.copyOf(attributes)));
    grow(turn, size);
    turn.lastUpdateMs = nowMs;
    enforceSessionBytes(sessionId);
    enforceTotal();
  }

  /** Turns quiet for the timeout, handed out incomplete (oldest first). */
  public List<AssembledTurn> expire(long nowMs) {
    List<AssembledTurn> out = new ArrayList<>();
    List<Pending> quiet = new ArrayList<>();
    for (Pending p : pending.values()) {
      if (nowMs - p.lastUpdateMs >= limits.quietMs()) {
        quiet.add(p);
      }
    }
    for (Pending p : quiet) {
      out.add(close(p, false));
    }
    // sessions known only from a phase change, with nothing buffered, are forgotten once quiet
    sessions.values().removeIf(s -> s.turns.isEmpty() && nowMs - s.touchedMs >= limits.quietMs());
    return out;
  }

  public int openTurns() {
    return pending.size();
  }

  public long bytes() {
    return bytes;
  }

  /** How many turns or items were dropped for this reason so far. */
  public long dropped(Drop reason) {
    return drops.get(reason);
  }

  private Pending open(String sessionId, long turnNumber, long nowMs) {
    Long done = exported.get(sessionId);
    if (done != null && turnNumber <= done) {
      drop(Drop.LATE);
      return null;
    }
    Key key = new Key(sessionId, turnNumber);
    Pending turn = pending.get(key);
    SessionState state = sessions.computeIfAbsent(sessionId, s -> new SessionState());
    state.currentTurn = Math.max(state.currentTurn, turnNumber);
    state.touchedMs = nowMs;
    if (turn != null) {
      return turn;
    }
    turn = new Pending(key, TurnTraceIds.traceId(sessionId, turnNumber));
    turn.lastUpdateMs = nowMs;
    pending.put(key, turn);
    state.turns.addLast(key);
    grow(turn, TURN_BYTES + chars(sessionId));
    while (state.turns.size() > limits.sessionMaxTurns()) {
      evict(pending.get(state.turns.peekFirst()), Drop.SESSION_LIMIT);
    }
    return turn;
  }

  private void enforceSessionBytes(String sessionId) {
    SessionState state = sessions.get(sessionId);
    while (state != null && state.bytes > limits.sessionMaxBytes() && !state.turns.isEmpty()) {
      evict(pending.get(state.turns.peekFirst()), Drop.SESSION_LIMIT);
    }
  }

  private void enforceTotal() {
    Iterator<Pending> oldest = pending.values().iterator();
    while ((pending.size() > limits.maxTurns() || bytes > limits.maxBytes()) && oldest.hasNext()) {
      Pending p = oldest.next();
      oldest.remove();
      forget(p);
      drop(Drop.TOTAL_LIMIT);
    }
  }

  private void evict(Pending turn, Drop reason) {
    pending.remove(turn.key);
    forget(turn);
    drop(reason);
  }

  private AssembledTurn close(Pending turn, boolean complete) {
    pending.remove(turn.key);
    forget(turn);
    Long before = exported.get(turn.key.sessionId);
    exported.put(turn.key.sessionId, before == null ? turn.key.turn : Math.max(before, turn.key.turn));
    List<AssembledTurn.StageSpan> stages = new ArrayList<>(turn.stages.values());
    return new AssembledTurn(turn.key.sessionId, turn.key.turn, turn.traceId,
        TurnTraceIds.rootSpanId(turn.key.sessionId, turn.key.turn), turn.platform, turn.model, stages, turn.events,
        complete);
  }

  /** Takes a turn's bytes off its session and the total (the turn is out of {@link #pending} already). */
  private void forget(Pending turn) {
    bytes -= turn.bytes;
    SessionState state = sessions.get(turn.key.sessionId);
    if (state != null) {
      state.turns.remove(turn.key);
      state.bytes -= turn.bytes;
      if (state.turns.isEmpty()) {
        sessions.remove(turn.key.sessionId);
      }
    }
  }

  private void grow(Pending turn, long size) {
    turn.bytes += size;
    bytes += size;
    SessionState state = sessions.get(turn.key.sessionId);
    if (state != null) {
      state.bytes += size;
    }
  }

  private void drop(Drop reason) {
    drops.merge(reason, 1L, Long::sum);
  }

  private static long chars(String s) {
    return s == null ? 0 : 2L * s.length();
  }

  private record Key(String sessionId, long turn) {}

  private static final class Pending {
    final Key key;
    final String traceId;
    final EnumMap<Stage, AssembledTurn.StageSpan> stages = new EnumMap<>(Stage.class);
    final List<AssembledTurn.TurnEvent> events = new ArrayList<>(2);
    String platform;
    String model;
    long bytes;
    long lastUpdateMs;

    Pending(Key key, String traceId) {
      this.key = key;
      this.traceId = traceId;
    }
  }

  private static final class SessionState {
    final ArrayDeque<Key> turns = new ArrayDeque<>(2);
    long bytes;
    long currentTurn = -1;
    long touchedMs;
  }
}
