package dev.rtvoice.sessions.domain;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Everything the service knows about one voice session: the state machine's phase and the facts its
 * rules need (current response, open interrupt, sequence watermarks, recent ids), counters, and the
 * bounded summary. Mutable and confined to the instance that owns the session's partition; only
 * {@link SessionMachine} (through its event families in this package) changes it. The snapshot written to {@code realtime.session.state} is
 * {@link #toMap()}, and {@link #fromMap} restores it exactly (a round trip is the identity), which is
 * what makes restarts and partition moves invisible.
 *
 * <p>Kept small on purpose (heap per idle session is a target): rings of hashed ids instead of id
 * strings, nothing allocated for what a session has not used yet.
 */
public final class SessionState {
  static final int SEEN_UPSTREAM_CAPACITY = 32;
  static final int CANCELLED_CAPACITY = 8;
  static final int DONE_CAPACITY = 16;

  final String sessionId;
  String userId;
  String deviceId;
  String platform;
  String conversationId;
  String callId;
  /** The user's tenant, from the rotation token ({@code tnt}); null: no tenant budget. */
  String tenantId;
  /** Event time the current upstream call was first reported (-1: no call yet). */
  long callStartedAtMs = -1;
  /** Upstream ended the current call ({@code session_expired}): nothing left to hang up or advise on. */
  boolean callGone;
  /** The current call reached {@code ROLLOVER_AFTER}: a hand-over is advised at the next quiet moment. */
  boolean rolloverDue;
  /** Completed hand-overs to a new upstream call. */
  int rollovers;
  /** The planned hand-over (null: none). */
  Rollover rollover;
  /** The user is speaking (speech started, not stopped yet): not a quiet moment for a hand-over. */
  boolean userSpeaking;
  /** Server time (ingress) of the client's last request: liveness. -1: none seen. */
  long clientHeardAtMs = -1;
  /** The call the session held before its current one (null: none): a late report of it changes nothing. */
  String previousCallId;
  /**
   * A call token-service created for the session while it held another live call, not reported by the
   * client yet (null: none), and the server time at which it is hung up unclaimed if still unreported.
   */
  String pendingCallId;
  long pendingCallDueWallMs = -1;

  Phase phase = Phase.IDLE;
  int turn;
  String responseId;
  String itemId;
  /** Event time the user's speech stopped in the current turn, for the inference latency sample. */
  long speechStoppedAtMs = -1;
  long thinkingDeadlineMs = -1;
  /** Event time of the current response's first audio, and when upstream finished streaming it (-1: not yet). */
  long audioStartedAtMs = -1;
  long audioStoppedAtMs = -1;
  Interrupt interrupt;
  String lastInterruptId;
  /** The id of the last recovery applied (null: none had one): a retry of it is a duplicate. */
  String lastRecoveryId;
  /** PENDING_INTERRUPT: the user's speech over the assistant (null in every other phase). */
  PendingSpeech pending;
  /** Why the session is RECOVERING (or was last), for the advice given to the client. */
  String recoveryCause;

  long lastAckSeq;
  String lastAckEventId;
  long lastUserAudioSeq;
  /** Client events past a gap in the sequence, waiting for it to fill (oldest seq first). */
  List<EventSummary> held;
  /** The held events' size as JSON (derived from {@link #held}, not written). */
  int heldBytes;
  long gapSinceMs = -1;
  /** Set when ordering broke (a gap that did not fill, a response that never started). */
  String orderBroken;

  RecentIds seenUpstream = new RecentIds(SEEN_UPSTREAM_CAPACITY);
  RecentIds cancelledResponses = new RecentIds(CANCELLED_CAPACITY);
  RecentIds doneResponses = new RecentIds(DONE_CAPACITY);

  long startedAtMs;
  long eventTimeMs;
  long lastActivityMs;
  long endedAtMs = -1;
  String endReason;
  long secretExpiresAtMs = -1;
  long playedMs = -1;

  final int[] counters = new int[Counter.values().length];
  BoundedSummary summary;

  /** The last command applied: its partition of realtime.session.commands and offset. */
  int commandPartition = -1;
  long commandOffset = -1;
  /** Incremented on every written snapshot, so a reader can drop an older one arriving late. */
  long version;

  private SessionState(String sessionId, int summaryMaxChars) {
    this.sessionId = sessionId;
    this.summary = new BoundedSummary(summaryMaxChars);
  }

  /** A new session in IDLE, started at {@code startedAtMs} (event time of its first event). */
  public static SessionState start(String sessionId, String userId, String deviceId, String platform,
                                   long startedAtMs, int summaryMaxChars) {
    SessionState s = new SessionState(sessionId, summaryMaxChars);
    s.userId = userId;
    s.deviceId = deviceId;
    s.platform = platform == null ? "unknown" : platform.intern();
    s.startedAtMs = startedAtMs;
    s.eventTimeMs = startedAtMs;
    s.lastActivityMs = startedAtMs;
    return s;
  }

  public SessionState copy() {
    SessionState c = new SessionState(sessionId, summary.maxChars());
    c.userId = userId;
    c.deviceId = deviceId;
    c.platform = platform;
    c.conversationId = conversationId;
    c.callId = callId;
    c.tenantId = tenantId;
    c.callStartedAtMs = callStartedAtMs;
    c.callGone = callGone;
    c.rolloverDue = rolloverDue;
    c.rollovers = rollovers;
    c.rollover = rollover;
    c.userSpeaking = userSpeaking;
    c.clientHeardAtMs = clientHeardAtMs;
    c.previousCallId = previousCallId;
    c.pendingCallId = pendingCallId;
    c.pendingCallDueWallMs = pendingCallDueWallMs;
    c.phase = phase;
    c.turn = turn;
    c.responseId = responseId;
    c.itemId = itemId;
    c.speechStoppedAtMs = speechStoppedAtMs;
    c.thinkingDeadlineMs = thinkingDeadlineMs;
    c.audioStartedAtMs = audioStartedAtMs;
    c.audioStoppedAtMs = audioStoppedAtMs;
    c.interrupt = interrupt == null ? null : interrupt.copy();
    c.lastInterruptId = lastInterruptId;
    c.lastRecoveryId = lastRecoveryId;
    c.pending = pending == null ? null : pending.copy();
    c.recoveryCause = recoveryCause;
    c.lastAckSeq = lastAckSeq;
    c.lastAckEventId = lastAckEventId;
    c.lastUserAudioSeq = lastUserAudioSeq;
    c.held = held == null ? null : new ArrayList<>(held);
    c.heldBytes = heldBytes;
    c.gapSinceMs = gapSinceMs;
    c.orderBroken = orderBroken;
    c.seenUpstream = seenUpstream.copy();
    c.cancelledResponses = cancelledResponses.copy();
    c.doneResponses = doneResponses.copy();
    c.startedAtMs = startedAtMs;
    c.eventTimeMs = eventTimeMs;
    c.lastActivityMs = lastActivityMs;
    c.endedAtMs = endedAtMs;
    c.endReason = endReason;
    c.secretExpiresAtMs = secretExpiresAtMs;
    c.playedMs = playedMs;
    System.arraycopy(counters, 0, c.counters, 0, counters.length);
    c.summary = summary.copy();
    c.commandPartition = commandPartition;
    c.commandOffset = commandOffset;
    c.version = version;
    return c;
  }

  public String sessionId() {
    return sessionId;
  }

  public String userId() {
    return userId;
  }

  public String deviceId() {
    return deviceId;
  }

  public String platform() {
    return platform;
  }

  public String callId() {
    return callId;
  }

  public Phase phase() {
    return phase;
  }

  public String tenantId() {
    return tenantId;
  }

  public long callStartedAtMs() {
    return callStartedAtMs;
  }

  /** Whether the session holds an upstream call that is still running (one that could be hung up). */
  public boolean liveCall() {
    return callId != null && !callGone && phase != Phase.ENDED;
  }

  public boolean callGone() {
    return callGone;
  }

  public boolean rolloverDue() {
    return rolloverDue;
  }

  public int rollovers() {
    return rollovers;
  }

  public Rollover rollover() {
    return rollover;
  }

  public boolean userSpeaking() {
    return userSpeaking;
  }

  public long clientHeardAtMs() {
    return clientHeardAtMs;
  }

  /** A call created for the session and not reported by the client yet, or null. */
  public String pendingCallId() {
    return pendingCallId;
  }

  /**
   * Records the client's platform when the session has none yet: a session started by a call that
   * token-service created learns it from the client's first events.
   */
  public void platformReported(String reported) {
    if (reported != null && "unknown".equals(platform)) {
      platform = reported.intern();
    }
  }

  /** Records the tenant from the caller's rotation token (a token without one leaves it as it was). */
  public void tenant(String tenant) {
    if (tenant != null) {
      tenantId = tenant;
    }
  }

  /** Records that the client was heard at server time {@code recordedAtMs} (its request reached the ingress). */
  public void clientHeard(long recordedAtMs) {
    if (recordedAtMs > clientHeardAtMs) {
      clientHeardAtMs = recordedAtMs;
    }
  }

  public int turn() {
    return turn;
  }

  public String responseId() {
    return responseId;
  }

  public String itemId() {
    return itemId;
  }

  public Interrupt interrupt() {
    return interrupt;
  }

  public long lastAckSeq() {
    return lastAckSeq;
  }

  public String lastAckEventId() {
    return lastAckEventId;
  }

  public long lastUserAudioSeq() {
    return lastUserAudioSeq;
  }

  public int heldCount() {
    return held == null ? 0 : held.size();
  }

  /** The held events' size as JSON. */
  public int heldBytes() {
    return heldBytes;
  }

  public long audioStartedAtMs() {
    return audioStartedAtMs;
  }

  public long audioStoppedAtMs() {
    return audioStoppedAtMs;
  }

  public String orderBroken() {
    return orderBroken;
  }

  /** PENDING_INTERRUPT: event time the user's speech started (-1: not pending). */
  public long pendingSpeechStartedAtMs() {
    return pending == null ? -1 : pending.startedAtMs;
  }

  public String recoveryCause() {
    return recoveryCause;
  }

  /** Event time of the session's first event. */
  public long startedAtMs() {
    return startedAtMs;
  }

  public long eventTimeMs() {
    return eventTimeMs;
  }

  public long lastActivityMs() {
    return lastActivityMs;
  }

  public long endedAtMs() {
    return endedAtMs;
  }

  public long thinkingDeadlineMs() {
    return thinkingDeadlineMs;
  }

  public long secretExpiresAtMs() {
    return secretExpiresAtMs;
  }

  public BoundedSummary summary() {
    return summary;
  }

  public int counter(Counter c) {
    return counters[c.ordinal()];
  }

  /** One more of {@code c}. */
  void count(Counter c) {
    counters[c.ordinal()]++;
  }

  /** {@code n} more of {@code c}. */
  void count(Counter c, int n) {
    counters[c.ordinal()] += n;
  }

  public int commandPartition() {
    return commandPartition;
  }

  public long commandOffset() {
    return commandOffset;
  }

  /** Whether the command at {@code partition}/{@code offset} was applied already (a replay). */
  public boolean alreadyApplied(int partition, long offset) {
    return partition == commandPartition && offset <= commandOffset;
  }

  /** Records the command being applied, so that its replay after a crash is recognized. */
  public void markCommand(int partition, long offset) {
    commandPartition = partition;
    commandOffset = offset;
  }

  public long version() {
    return version;
  }

  public void bumpVersion() {
    version++;
  }

  /** Records the client secret's expiry from the caller's rotation token (the latest one wins). */
  public void secretExpiresAt(long epochMs) {
    if (epochMs > secretExpiresAtMs) {
      secretExpiresAtMs = epochMs;
    }
  }

  // ---- snapshot ----

  /**
   * The snapshot: every field, JSON-ready (maps, lists, strings, numbers, booleans); the audio measure
   * of the current response only while there is one. Its size is bounded: see {@link StateBudget}.
   */
  public Map<String, Object> toMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("session_id", sessionId);
    m.put("user_id", userId);
    m.put("device_id", deviceId);
    m.put("platform", platform);
    m.put("conversation_id", conversationId);
    m.put("call_id", callId);
    m.put("tenant_id", tenantId);
    m.put("call_started_at_ms", callStartedAtMs);
    m.put("call_age_ms", liveCall() && callStartedAtMs >= 0 ? Math.max(0, eventTimeMs - callStartedAtMs) : 0);
    m.put("call_gone", callGone);
    m.put("rollover_due", rolloverDue);
    m.put("rollovers", rollovers);
    m.put("rollover", rollover == null ? null : rollover.toMap());
    m.put("user_speaking", userSpeaking);
    m.put("client_heard_at_ms", clientHeardAtMs);
    m.put("previous_call_id", previousCallId);
    m.put("pending_call_id", pendingCallId);
    m.put("pending_call_due_wall_ms", pendingCallDueWallMs);
    m.put("phase", phase.name());
    m.put("turn", turn);
    m.put("response_id", responseId);
    m.put("item_id", itemId);
    m.put("speech_stopped_at_ms", speechStoppedAtMs);
    m.put("thinking_deadline_ms", thinkingDeadlineMs);
    // left out while there is no audio to measure (most of the time): heap per idle session is a target
    if (audioStartedAtMs >= 0) {
      m.put("audio_started_at_ms", audioStartedAtMs);
    }
    if (audioStoppedAtMs >= 0) {
      m.put("audio_stopped_at_ms", audioStoppedAtMs);
    }
    m.put("interrupt", interrupt == null ? null : interrupt.toMap());
    m.put("last_interrupt_id", lastInterruptId);
    // left out while unset, as the audio measure: heap per idle session is a target
    if (lastRecoveryId != null) {
      m.put("last_recovery_id", lastRecoveryId);
    }
    if (pending != null) {
      m.put("pending_speech_started_at_ms", pending.startedAtMs);
      if (pending.stoppedAtMs >= 0) {
        m.put("pending_speech_stopped_at_ms", pending.stoppedAtMs);
      }
    }
    m.put("recovery_cause", recoveryCause);
    m.put("last_user_audio_seq", lastUserAudioSeq);
    m.put("last_ack_seq", lastAckSeq);
    m.put("last_ack_event_id", lastAckEventId);
    List<Map<String, Object>> heldList = new ArrayList<>();
    if (held != null) {
      held.forEach(e -> heldList.add(e.toMap()));
    }
    m.put("held", heldList);
    m.put("gap_since_ms", gapSinceMs);
    m.put("order_broken", orderBroken);
    m.put("seen_upstream", seenUpstream.encode());
    m.put("cancelled_responses", cancelledResponses.encode());
    m.put("done_responses", doneResponses.encode());
    m.put("started_at_ms", startedAtMs);
    m.put("event_time_ms", eventTimeMs);
    m.put("last_activity_ms", lastActivityMs);
    m.put("ended_at_ms", endedAtMs);
    m.put("end_reason", endReason);
    m.put("secret_expires_at_ms", secretExpiresAtMs);
    m.put("played_ms", playedMs);
    Map<String, Object> counts = new LinkedHashMap<>();
    for (Counter c : Counter.values()) {
      counts.put(c.wire(), counters[c.ordinal()]);
    }
    m.put("counters", counts);
    Map<String, Object> sum = new LinkedHashMap<>();
    sum.put("max_chars", summary.maxChars());
    sum.put("chars", summary.chars());
    sum.put("lines", summary.toList());
    m.put("summary", sum);
    m.put("command_partition", commandPartition);
    m.put("command_offset", commandOffset);
    m.put("version", version);
    return m;
  }

  /** Restores a snapshot written by {@link #toMap()}; a snapshot that does not fit is refused. */
  public static SessionState fromMap(Map<?, ?> m, int summaryMaxChars) {
    try {
      String sessionId = str(m, "session_id");
      if (sessionId == null || sessionId.isEmpty()) {
        throw new IllegalArgumentException("session_id is missing");
      }
      SessionState s = new SessionState(sessionId, summaryMaxChars);
      s.userId = str(m, "user_id");
      s.deviceId = str(m, "device_id");
      String platform = str(m, "platform");
      s.platform = platform == null ? "unknown" : platform.intern();
      s.conversationId = str(m, "conversation_id");
      s.callId = str(m, "call_id");
      s.tenantId = str(m, "tenant_id");
      s.callStartedAtMs = optionalNum(m, "call_started_at_ms", -1);
      s.callGone = Boolean.TRUE.equals(m.get("call_gone"));
      s.rolloverDue = Boolean.TRUE.equals(m.get("rollover_due"));
      s.rollovers = (int) optionalNum(m, "rollovers", 0);
      Object rollover = m.get("rollover");
      s.rollover = rollover instanceof Map<?, ?> rm ? Rollover.fromMap(rm) : null;
      s.userSpeaking = Boolean.TRUE.equals(m.get("user_speaking"));
      s.clientHeardAtMs = optionalNum(m, "client_heard_at_ms", -1);
      s.previousCallId = str(m, "previous_call_id");
      s.pendingCallId = str(m, "pending_call_id");
      s.pendingCallDueWallMs = optionalNum(m, "pending_call_due_wall_ms", -1);
      s.phase = Phase.parse(str(m, "phase"));
      s.turn = (int) num(m, "turn");
      s.responseId = str(m, "response_id");
      s.itemId = str(m, "item_id");
      s.speechStoppedAtMs = num(m, "speech_stopped_at_ms");
      s.thinkingDeadlineMs = num(m, "thinking_deadline_ms");
      s.audioStartedAtMs = optionalNum(m, "audio_started_at_ms", -1);
      s.audioStoppedAtMs = optionalNum(m, "audio_stopped_at_ms", -1);
      Object interrupt = m.get("interrupt");
      s.interrupt = interrupt instanceof Map<?, ?> im ? Interrupt.fromMap(im) : null;
      s.lastInterruptId = str(m, "last_interrupt_id");
      s.lastRecoveryId = str(m, "last_recovery_id");
      long pendingSince = optionalNum(m, "pending_speech_started_at_ms", -1);
      if (pendingSince >= 0) {
        s.pending = new PendingSpeech(pendingSince);
        s.pending.stoppedAtMs = optionalNum(m, "pending_speech_stopped_at_ms", -1);
      }
      s.recoveryCause = str(m, "recovery_cause");
      s.lastUserAudioSeq = num(m, "last_user_audio_seq");
      s.lastAckSeq = num(m, "last_ack_seq");
      s.lastAckEventId = str(m, "last_ack_event_id");
      Object held = m.get("held");
      if (held instanceof List<?> list && !list.isEmpty()) {
        s.held = new ArrayList<>();
        for (Object o : list) {
          @SuppressWarnings("unchecked")
          Map<String, Object> e = (Map<String, Object>) o;
          EventSummary summary = EventSummary.parse(e, "held.", true, Long.MAX_VALUE / 2, 0);
          s.held.add(summary);
          s.heldBytes += summary.jsonBytes();
        }
      }
      s.gapSinceMs = num(m, "gap_since_ms");
      s.orderBroken = str(m, "order_broken");
      s.seenUpstream = RecentIds.decode(str(m, "seen_upstream"), SEEN_UPSTREAM_CAPACITY);
      s.cancelledResponses = RecentIds.decode(str(m, "cancelled_responses"), CANCELLED_CAPACITY);
      s.doneResponses = RecentIds.decode(str(m, "done_responses"), DONE_CAPACITY);
      s.startedAtMs = num(m, "started_at_ms");
      s.eventTimeMs = num(m, "event_time_ms");
      s.lastActivityMs = num(m, "last_activity_ms");
      s.endedAtMs = num(m, "ended_at_ms");
      s.endReason = str(m, "end_reason");
      s.secretExpiresAtMs = num(m, "secret_expires_at_ms");
      s.playedMs = num(m, "played_ms");
      Map<?, ?> counts = (Map<?, ?>) m.get("counters");
      for (Counter c : Counter.values()) {
        Object v = counts.get(c.wire());
        s.counters[c.ordinal()] = v == null ? 0 : ((Number) v).intValue();
      }
      Map<?, ?> sum = (Map<?, ?>) m.get("summary");
      s.summary = BoundedSummary.fromList((List<?>) sum.get("lines"), summaryMaxChars);
      s.commandPartition = (int) num(m, "command_partition");
      s.commandOffset = num(m, "command_offset");
      s.version = num(m, "version");
      return s;
    } catch (ClassCastException | NullPointerException | IllegalArgumentException e) {
      throw new IllegalArgumentException("not a session snapshot: " + e.getMessage(), e);
    }
  }

  /** Counters by name, for the metrics of a restored session. */
  public Map<Counter, Integer> counters() {
    Map<Counter, Integer> out = new EnumMap<>(Counter.class);
    for (Counter c : Counter.values()) {
      out.put(c, counters[c.ordinal()]);
    }
    return out;
  }

  private static String str(Map<?, ?> m, String key) {
    Object v = m.get(key);
    if (v == null) {
      return null;
    }
    if (!(v instanceof String s)) {
      throw new IllegalArgumentException(key + " must be a string");
    }
    return s;
  }

  /** A field that snapshots written before it existed lack. */
  private static long optionalNum(Map<?, ?> m, String key, long absent) {
    Object v = m.get(key);
    if (v == null) {
      return absent;
    }
    return num(m, key);
  }

  private static long num(Map<?, ?> m, String key) {
    Object v = m.get(key);
    if (!(v instanceof Number n)) {
      throw new IllegalArgumentException(key + " must be a number");
    }
    return n.longValue();
  }
}
