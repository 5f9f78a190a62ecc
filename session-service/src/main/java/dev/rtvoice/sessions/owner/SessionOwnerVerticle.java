package dev.rtvoice.sessions.owner;

import dev.rtvoice.common.event.EventEnvelope;
import dev.rtvoice.common.event.EventType;
import dev.rtvoice.common.kafka.ConsumedEvent;
import dev.rtvoice.common.kafka.EventConsumerLoop;
import dev.rtvoice.common.kafka.EventPublisher;
import dev.rtvoice.sessions.config.SessionServiceConfig;
import dev.rtvoice.sessions.domain.Decision;
import dev.rtvoice.sessions.domain.EventSummary;
import dev.rtvoice.sessions.domain.Input;
import dev.rtvoice.sessions.domain.Phase;
import dev.rtvoice.sessions.domain.SessionMachine;
import dev.rtvoice.sessions.domain.SessionState;
import dev.rtvoice.sessions.kafka.Commands;
import dev.rtvoice.sessions.kafka.EnvelopeWriter;
import dev.rtvoice.sessions.kafka.StateView;
import dev.rtvoice.sessions.kafka.WriteFailures;
import dev.rtvoice.sessions.metrics.SessionMetrics;
import dev.rtvoice.sessions.sideband.CallHangups;
import dev.rtvoice.sessions.sideband.SidebandManager;
import dev.rtvoice.sessions.sideband.UpstreamEvents;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.kafka.client.common.TopicPartition;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The owner of the sessions whose partitions of {@code realtime.session.commands} this instance holds
 * in the consumer group. It applies their commands in partition order through the state machine, and
 * only when the derived events (and latency samples) and then the new snapshots are acknowledged by
 * Kafka does the consumer loop commit the offsets. Snapshots record the last applied offset, so a batch
 * delivered again after a crash is recognized and skipped: every accepted command is applied once.
 *
 * <p>Event-time clock of a quiet session: timeouts must fire even when the client goes silent, and no
 * event arrives to move the clock. The owner keeps, per session, the wall time at which the session's
 * event time was last set (its anchor); a periodic check ({@code TIMEOUT_CHECK_INTERVAL}) takes the
 * session's event time to be that event time plus the wall time elapsed since the anchor, and writes a
 * clock tick command at that event time for each session whose next deadline falls due; the machine
 * applies it as an {@link Input.Tick} in the log's order, so deadlines are part of the durable command
 * sequence and a replay of the log gives the same state. Only the owner
 * runs it (sessions of other partitions are not in its map), the clock is injectable (tests move it),
 * and when events do arrive their {@code occurred_at} sets the clock again. Anchors are taken when an
 * event is applied, not when it happened, so a timeout fires late by the delivery lag, never early.
 *
 * <p>The upstream call: a client's request (events, interrupt, recover) records when the ingress took
 * it ({@code recorded_at}) as the session's {@code client_heard_at_ms}; a session with a live call whose
 * client stays silent for {@code LIVENESS_GRACE} gets a tick carrying the owner's wall clock, on which
 * the machine hangs the call up and ends the session {@code abandoned}. The call's age is a deadline
 * like the others ({@code ROLLOVER_AFTER}: the read view then advises a hand-over at the next quiet
 * moment). When a session's first call starts, its user's and tenant's live calls are counted in the
 * read view (every instance's sessions) against the concurrency budgets; over one, the machine ends the
 * session {@code budget_exceeded}. Hang-ups ({@link Decision.Effect.HangUp}) run once the decision is
 * durable, never on the loop's critical path ({@link CallHangups}).
 *
 * <p>Everything that touches the owned sessions (batches, deadline rounds, restores) runs one after the
 * other on this verticle's event loop, so no unit of work sees another's half-written changes.
 */
public final class SessionOwnerVerticle extends VerticleBase {
  /** Attempts to write one of the owner's own inputs to the log before it is given up (and counted). */
  private static final int OWNER_INPUT_ATTEMPTS = 5;
  private static final Logger LOG = LoggerFactory.getLogger(SessionOwnerVerticle.class);

  private record Due(long wallMs, String sessionId) {}

  private final SessionServiceConfig config;
  private final EventPublisher publisher;
  private final StateView view;
  private final SessionMetrics metrics;
  private final MeterRegistry registry;
  private final SessionMachine machine;
  private final Clock clock;
  private final Map<String, OwnedSession> owned = new HashMap<>();
  private final PriorityQueue<Due> deadlines = new PriorityQueue<>(Comparator.comparingLong(Due::wallMs));
  private final String commandsTopic;
  private Set<Integer> assigned = Set.of();
  private Future<Void> tail = Future.succeededFuture();
  private volatile EventConsumerLoop loop;
  private SidebandManager sideband;
  private CallHangups hangups;
  private long tickTimer = -1;
  private volatile boolean started;

  public SessionOwnerVerticle(SessionServiceConfig config, EventPublisher publisher, StateView view,
                              SessionMetrics metrics, MeterRegistry registry) {
    this.config = config;
    this.publisher = publisher;
    this.view = view;
    this.metrics = metrics;
    this.registry = registry;
    this.machine = new SessionMachine(config.machine());
    this.clock = config.clock();
    this.commandsTopic = config.topics().sessionCommands();
  }

  @Override
  public Future<?> start() {
    sideband = new SidebandManager(vertx, config.upstream(), clock, this::onUpstreamEvent, registry);
    hangups = new CallHangups(vertx, config.upstream(), registry);
    if (!sideband.enabled()) {
      LOG.warn("OPENAI_API_KEY is not set: no sideband connections; interrupts rely on the client's own cancel");
    }
    metrics.ownerProgress(this, o -> unfinishedMs(o.loop) / 1000.0, o -> o.stalled().isPresent() ? 1 : 0);
    loop = EventConsumerLoop.builder(vertx, config.kafka())
        .group(config.consumerGroup())
        .clientName("commands")
        .topics(Set.of(commandsTopic))
        .handler(this::onBatch)
        .deadLetters(publisher)
        .onAssigned(this::onAssigned)
        // each batch costs two acknowledged write rounds and a commit, whatever its size
        .maxPollRecords(config.owner().maxPollRecords())
        .metrics(registry)
        .build();
    return loop.start().onSuccess(v -> {
      tickTimer = vertx.setPeriodic(config.tickInterval().toMillis(), t -> onTick());
      started = true;
    });
  }

  @Override
  public Future<?> stop() {
    if (tickTimer >= 0) {
      vertx.cancelTimer(tickTimer);
    }
    Future<Void> loopStopped = loop == null ? Future.succeededFuture() : loop.stop();
    return loopStopped
        .eventually(() -> tail)
        .eventually(() -> sideband == null ? Future.succeededFuture() : sideband.closeAll())
        .eventually(() -> hangups == null ? Future.succeededFuture() : hangups.close());
  }

  public boolean started() {
    return started;
  }

  /**
   * Why the owner is stalled, or empty: a batch of commands has been in hand (polled, not yet durable
   * and committed, retries included) for longer than {@code OWNER_STALL_TIMEOUT}. An idle owner, or
   * one that keeps getting batches through, is not stalled.
   */
  public Optional<String> stalled() {
    EventConsumerLoop l = loop;
    long age = unfinishedMs(l);
    if (age < config.owner().stallTimeout().toMillis()) {
      return Optional.empty();
    }
    String failure = l.lastFailure();
    return Optional.of("owner stalled: " + l.unfinishedRecords() + " command records in hand for " + age / 1000
        + " s without becoming durable" + (failure == null ? "" : " (last failure: " + failure + ")"));
  }

  private static long unfinishedMs(EventConsumerLoop l) {
    long since = l == null ? -1 : l.unfinishedSinceMs();
    return since < 0 ? 0 : Math.max(0, System.currentTimeMillis() - since);
  }

  /** Runs {@code work} after everything queued before it, whatever its outcome. */
  private Future<Void> serial(Supplier<Future<Void>> work) {
    Future<Void> result = tail.transform(ignored -> {
      try {
        return work.get();
      } catch (RuntimeException e) {
        return Future.failedFuture(e);
      }
    });
    tail = result.transform(ar -> Future.succeededFuture());
    return result;
  }

  // ---- commands ----

  private Future<Void> onBatch(List<ConsumedEvent> records) {
    return serial(() -> applyCommands(records));
  }

  /**
   * Applies a batch and writes it. Sessions whose changes Kafka would never take (a record too large,
   * one the codec or broker rejects, a command the machine throws on) are rolled back and their
   * commands of the batch applied again one at a time, so that only the culprit goes to the dead
   * letters and everything else, theirs included, goes through.
   */
  private Future<Void> applyCommands(List<ConsumedEvent> records) {
    long startedNs = System.nanoTime();
    Changes changes = new Changes(Instant.ofEpochMilli(clock.millis()));
    Set<String> cancelsSent = new HashSet<>();
    for (ConsumedEvent record : records) {
      applyRecord(changes, record, cancelsSent);
    }
    return write(changes)
        .compose(failed -> applyAlone(failed, cancelsSent))
        .onSuccess(v -> metrics.batch(System.nanoTime() - startedNs));
  }

  /** Decodes one command record and applies its inputs to its session, collecting what it changed. */
  private void applyRecord(Changes changes, ConsumedEvent record, Set<String> cancelsSent) {
    EventEnvelope env = record.event();
    Commands.Command command;
    try {
      command = Commands.decode(env);
    } catch (RuntimeException e) {
      changes.deadLetter(record, DeadLetters.UNDECODABLE, e.getMessage());
      return;
    }
    String sid = command.sessionId();
    Changes.Touched t = changes.touched.get(sid);
    if (t != null && t.failure != null) {
      t.records.add(record);  // its session is applied again command by command after this unit
      return;
    }
    OwnedSession o = owned.get(sid);
    if (o != null && o.state.alreadyApplied(record.partition(), record.offset())) {
      changes.replaySkipped++;
      return;
    }
    if (o == null && (env.type() == EventType.SESSION_CLOCK_TICK || env.type() == EventType.SESSION_OVER_BUDGET
        || env.type() == EventType.SESSION_SIDEBAND_CANCEL_FAILED)) {
      return;  // the owner's own command for a session that is gone (tombstoned): nothing to start
    }
    long wallNow = changes.now.toEpochMilli();
    String keyBase = env.eventId().toString();
    boolean created = o == null;
    try {
      if (created) {
        SessionState s = SessionState.start(sid, command.userId(), command.deviceId(), command.platform(),
            env.occurredAt().toEpochMilli(), config.machine().summaryMaxChars());
        o = new OwnedSession(s, wallNow);
        owned.put(sid, o);
        t = changes.created(sid, o);
      } else {
        t = changes.touch(sid, o);
      }
    } catch (RuntimeException e) {
      changes.deadLetter(record, DeadLetters.REJECTED, "cannot start a session from it: " + e);
      return;
    }
    t.records.add(record);
    try {
      if (created) {
        changes.collect(sid, machine.start(o.state), keyBase + "/start", env.recordedAt());
      }
      o.state.secretExpiresAt(command.secretExpiresAtMs());
      o.state.tenant(command.tenantId());
      o.state.platformReported(command.platform());
      if (command.fromClient()) {
        // the ingress's clock, from the log: a replay records the same liveness
        o.state.clientHeard(env.recordedAt().toEpochMilli());
      }
      List<Input> inputs = command.inputs();
      for (int i = 0; i < inputs.size(); i++) {
        Input input = inputs.get(i);
        if (input instanceof Input.InterruptRequest r) {
          input = new Input.InterruptRequest(r.interruptId(), r.atMs(), r.audioEndMs(), r.clientResponseId(),
              r.clientItemId(), sideband.isOpen(sid));
        }
        long eventTimeBefore = o.state.eventTimeMs();
        Decision d = machine.apply(o.state, input);
        if (o.state.eventTimeMs() != eventTimeBefore) {
          o.anchorWallMs = wallNow;
        }
        changes.collect(sid, d, command.batch() ? keyBase + "/" + i : keyBase, env.recordedAt());
        if (d.reply() != null) {
          changes.reply(sid, keyBase, d.reply());
        }
        cancelUpstreamNow(sid, d, cancelsSent);
      }
      o.state.markCommand(record.partition(), record.offset());
    } catch (RuntimeException e) {
      // the same command on the same state throws again: retrying would never get past it
      LOG.warn("session {}: the state machine threw on command {}", sid, env.eventId(), e);
      t.fail(DeadLetters.REJECTED, "the state machine threw: " + e);
    }
  }

  /**
   * The commands of sessions whose changes could not be written, one record per unit of work: a record
   * whose unit fails the same way alone is the culprit and goes to the dead letters (its session stays
   * as it was before it); the others are applied and written as usual. Runs before the consumer loop
   * commits the batch, so the partition's order holds.
   */
  private Future<Void> applyAlone(List<Changes.Touched> failed, Set<String> cancelsSent) {
    Future<Void> chain = Future.succeededFuture();
    for (Changes.Touched t : failed) {
      LOG.warn("session {}: {}; applying its {} command record(s) of the batch one at a time", t.sessionId,
          t.failure, t.records.size());
      for (ConsumedEvent record : t.records) {
        chain = chain.compose(v -> applyOne(record, cancelsSent));
      }
    }
    return chain;
  }

  private Future<Void> applyOne(ConsumedEvent record, Set<String> cancelsSent) {
    Changes single = new Changes(Instant.ofEpochMilli(clock.millis()));
    applyRecord(single, record, cancelsSent);
    return write(single).compose(failed -> {
      if (failed.isEmpty()) {
        return Future.succeededFuture();
      }
      Changes.Touched t = failed.get(0);
      Changes dead = new Changes(single.now);
      dead.deadLetter(record, t.failureKind, t.failure);
      return write(dead).mapEmpty();
    });
  }

  /**
   * The fast path of an interrupt: called by the API once the interrupt command is durable on Kafka.
   * If this instance owns the session, it is speaking or thinking, and its sideband is open, the
   * {@code response.cancel} goes out now instead of after the consumer loop has reached the command
   * (which waits behind the batch in hand: tens of milliseconds under load). Safe to do early: the
   * command is already in the log, so the machine will apply it, and upstream's answer to the cancel
   * (sent on the sideband, appended to the log after the command) can only be applied after it. A
   * cancel for a response that ended meanwhile is answered {@code response_cancel_not_active}, which
   * the machine treats like any stale event.
   */
  public void cancelAhead(String sessionId, String interruptId, String clientResponseId) {
    if (!started || !sideband.enabled()) {  // started is volatile: context and sideband are set before it
      return;
    }
    context.runOnContext(v -> {
      OwnedSession o = owned.get(sessionId);
      if (o == null || !sideband.isOpen(sessionId)) {
        return;
      }
      Phase phase = o.state.phase();
      String responseId = o.state.responseId();
      if (!phase.interruptible() || responseId == null
          || responseId.equals(o.cancelledAhead)
          || (clientResponseId != null && !clientResponseId.equals(responseId))) {
        return;
      }
      o.cancelledAhead = responseId;
      sideband.cancel(sessionId, interruptId, responseId).onFailure(err -> {
        // the machine's own cancel (or its failure handling) takes over
        if (responseId.equals(o.cancelledAhead)) {
          o.cancelledAhead = null;
        }
      });
      metrics.cancelAhead();
    });
  }

  /**
   * The service's own response.cancel goes out as soon as the interrupt is decided: latency matters.
   * {@code sent} holds the interrupts whose cancel this batch sent already (a session applied again
   * one command at a time decides it again).
   */
  private void cancelUpstreamNow(String sessionId, Decision d, Set<String> sent) {
    for (Decision.Effect e : d.effects()) {
      if (e instanceof Decision.Effect.CancelUpstream c) {
        OwnedSession o = owned.get(sessionId);
        if (o != null && c.responseId() != null && c.responseId().equals(o.cancelledAhead)) {
          continue;  // went out on the fast path already
        }
        if (!sent.add(sessionId + "/" + c.interruptId())) {
          continue;
        }
        sideband.cancel(sessionId, c.interruptId(), c.responseId()).onFailure(err -> context.runOnContext(v ->
            writeOwnerInput(sessionId, new Input.SidebandCancelFailed(c.interruptId(), clock.millis()), 0)));
      }
    }
  }

  // ---- deadlines ----

  private void onTick() {
    long wallNow = clock.millis();
    List<String> due = new ArrayList<>();
    while (!deadlines.isEmpty() && deadlines.peek().wallMs() <= wallNow) {
      Due d = deadlines.poll();
      OwnedSession o = owned.get(d.sessionId());
      if (o == null || o.scheduledWallMs != d.wallMs()) {
        continue;
      }
      o.scheduledWallMs = Long.MAX_VALUE;
      due.add(d.sessionId());
    }
    if (!due.isEmpty()) {
      serial(() -> applyTicks(due));
    }
  }

  /**
   * For each session whose deadline the wall clock says is due, writes a clock tick to the command log
   * instead of applying it here: the machine applies it in the log's order when the consumer loop
   * reaches it, so what a deadline changes is part of the durable command sequence and a replay of
   * the log gives the same state (a tick applied on the side would depend on when it ran). The next
   * deadline is scheduled when the tick (or any other command of the session) has been applied.
   */
  private Future<Void> applyTicks(List<String> sessionIds) {
    long wallNow = clock.millis();
    for (String sid : sessionIds) {
      OwnedSession o = owned.get(sid);
      if (o == null) {
        continue;
      }
      long now = o.eventTimeAt(wallNow);
      if (machine.nextDeadline(o.state) > now && machine.livenessDueWallMs(o.state) > wallNow) {
        schedule(sid, o);
        continue;
      }
      EventEnvelope tick = Commands.clockTick(sid, now, o.state.userId(), o.state.deviceId(),
          Instant.ofEpochMilli(wallNow));
      publisher.publish(commandsTopic, tick).onFailure(e -> context.runOnContext(v -> {
        LOG.warn("could not write the clock tick of session {}: {}", sid, e.toString());
        OwnedSession again = owned.get(sid);
        if (again != null) {
          retryTick(sid, again);
        }
      }));
    }
    return Future.succeededFuture();
  }

  /** A tick that could not be written is tried again a check interval later. */
  private void retryTick(String sessionId, OwnedSession o) {
    long wall = clock.millis() + config.tickInterval().toMillis();
    if (wall < o.scheduledWallMs) {
      o.scheduledWallMs = wall;
      deadlines.add(new Due(wall, sessionId));
    }
  }

  /**
   * What the owner itself finds about a session (over a budget, a cancel the sideband could not send)
   * goes to the command log like a tick, and is applied when the log reaches it: a replay of the log
   * then gives the same state. A write that fails is tried again a check interval later, a few times.
   */
  private void writeOwnerInput(String sessionId, Input input, int attempt) {
    OwnedSession o = owned.get(sessionId);
    if (o == null) {
      return;
    }
    Instant now = Instant.ofEpochMilli(clock.millis());
    EventEnvelope command = input instanceof Input.BudgetExceeded over
        ? Commands.overBudget(sessionId, over, o.state.userId(), o.state.deviceId(), now)
        : Commands.sidebandCancelFailed(sessionId, (Input.SidebandCancelFailed) input, o.state.userId(),
            o.state.deviceId(), now);
    publisher.publish(commandsTopic, command).onFailure(e -> context.runOnContext(v -> {
      if (attempt + 1 >= OWNER_INPUT_ATTEMPTS) {
        LOG.warn("session {}: could not write {} after {} attempts: {}", sessionId, command.type(), attempt + 1,
            e.toString());
        metrics.unwritable("owner_input", "write_failed");
        return;
      }
      vertx.setTimer(config.tickInterval().toMillis(), t -> writeOwnerInput(sessionId, input, attempt + 1));
    }));
  }

  private void schedule(String sessionId, OwnedSession o) {
    long due = machine.nextDeadline(o.state);
    // the client's liveness is on the wall clock already: a silent client does not move event time
    long liveness = machine.livenessDueWallMs(o.state);
    if (due == Long.MAX_VALUE && liveness == Long.MAX_VALUE) {
      return;
    }
    long wall = Long.MAX_VALUE - 1;
    if (due != Long.MAX_VALUE) {
      long delta = due - o.state.eventTimeMs();
      wall = delta > Long.MAX_VALUE - o.anchorWallMs ? Long.MAX_VALUE - 1 : o.anchorWallMs + Math.max(0, delta);
    }
    wall = Math.min(wall, liveness);
    if (wall < o.scheduledWallMs) {
      o.scheduledWallMs = wall;
      deadlines.add(new Due(wall, sessionId));
    }
  }

  // ---- writing ----

  /** A touched session's records, encoded before anything is sent (so a codec refusal is known now). */
  private record Encoded(List<Buffer> events, List<Buffer> samples, Buffer snapshot) {}

  /**
   * Derived events and samples first, then (once they are acknowledged) the snapshots: a crash in
   * between leaves the old snapshot, the batch is applied again and writes the same events (same ids)
   * again, so nothing is lost. A failure that retrying cannot cure (see {@link WriteFailures}) is
   * confined to its session: that session goes back to how it was and is answered in the list, the
   * others are written. Any other failure puts every session not yet written back and fails the
   * future (the consumer loop rewinds and retries).
   */
  private Future<List<Changes.Touched>> write(Changes changes) {
    if (changes.isEmpty()) {
      return Future.succeededFuture(List.of());
    }
    List<Changes.Touched> failed = new ArrayList<>();
    Map<Changes.Touched, Encoded> pending = new LinkedHashMap<>();
    for (Changes.Touched t : changes.touched.values()) {
      if (t.failure == null) {
        try {
          pending.put(t, encode(t, changes.now));
        } catch (RuntimeException e) {
          t.fail(WriteFailures.kind(e), "its change cannot be encoded: " + e.getMessage());
        }
      }
      if (t.failure != null) {
        failed.add(t);
        rollback(t);
      }
    }
    List<Future<?>> sends = new ArrayList<>();
    List<Changes.Touched> senders = new ArrayList<>();
    String eventsTopic = config.topics().sessionEvents();
    String samplesTopic = config.topics().latencySamples();
    pending.forEach((t, enc) -> {
      for (Buffer b : enc.events()) {
        sends.add(publisher.publishRaw(eventsTopic, t.sessionId, b, List.of()));
        senders.add(t);
      }
      for (Buffer b : enc.samples()) {
        sends.add(publisher.publishRaw(samplesTopic, t.sessionId, b, List.of()));
        senders.add(t);
      }
    });
    for (Changes.DeadLetter dl : changes.deadLetters) {
      sends.add(DeadLetters.write(publisher, dl));
      senders.add(null);
    }
    String stateTopic = config.topics().sessionState();
    return settle(sends, senders, pending, failed).compose(v -> {
      List<Future<?>> snapshots = new ArrayList<>(pending.size());
      List<Changes.Touched> writers = new ArrayList<>(pending.size());
      pending.forEach((t, enc) -> {
        snapshots.add(publisher.publishRaw(stateTopic, t.sessionId, enc.snapshot(), List.of()));
        writers.add(t);
      });
      return settle(snapshots, writers, pending, failed);
    }).map(v -> {
      afterCommit(changes, pending.keySet());
      return failed;
    });
  }

  /**
   * Waits for a round of writes and sorts the failures: a deterministic one takes its session out of
   * {@code pending} (rolled back, into {@code failed}); any other fails the round with every pending
   * session rolled back. A dead letter that Kafka refuses for good is logged and dropped: nothing may
   * hold the loop forever.
   */
  private Future<Void> settle(List<Future<?>> sends, List<Changes.Touched> senders,
                              Map<Changes.Touched, Encoded> pending, List<Changes.Touched> failed) {
    return Future.join(sends).transform(ar -> {
      Throwable retriable = null;
      for (int i = 0; i < sends.size(); i++) {
        Future<?> f = sends.get(i);
        if (f.succeeded()) {
          continue;
        }
        Changes.Touched t = senders.get(i);
        if (!WriteFailures.deterministic(f.cause())) {
          retriable = retriable == null ? f.cause() : retriable;
        } else if (t == null) {
          LOG.error("a dead letter was refused by Kafka and is dropped: {}", f.cause().toString());
          metrics.unwritable("dead_letter", WriteFailures.kind(f.cause()));
        } else if (pending.remove(t) != null) {
          t.fail(WriteFailures.kind(f.cause()), "Kafka refused its write: " + f.cause());
          failed.add(t);
          rollback(t);
        }
      }
      if (retriable != null) {
        pending.keySet().forEach(this::rollback);
        pending.clear();
        return Future.failedFuture(retriable);
      }
      return Future.succeededFuture();
    });
  }

  private Encoded encode(Changes.Touched t, Instant now) {
    List<Buffer> events = t.events;
    List<Buffer> samples = t.samples;
    if (t.tombstone) {
      return new Encoded(events, samples, null);
    }
    SessionState s = t.owned.state;
    s.bumpVersion();
    Map<String, Object> payload = s.toMap();
    if (!t.replies.isEmpty()) {
      payload = new LinkedHashMap<>(payload);
      payload.put("replies", new ArrayList<>(t.replies));
    }
    // the snapshot is the owner's largest record: written without an envelope's deep copy of the state
    return new Encoded(events, samples, EnvelopeWriter.encode(Changes.idOf(t.sessionId + "/v", (int) s.version()),
        EventType.SESSION_STATE, 1, t.sessionId, Instant.ofEpochMilli(s.eventTimeMs()), now, Changes.SOURCE,
        payload));
  }

  private void rollback(Changes.Touched touched) {
    if (touched.created()) {
      owned.remove(touched.sessionId);
    } else {
      touched.owned.state = touched.before;
      touched.owned.anchorWallMs = touched.anchorBefore;
    }
  }

  private void afterCommit(Changes changes, Set<Changes.Touched> written) {
    for (int i = 0; i < changes.replaySkipped; i++) {
      metrics.replaySkipped();
    }
    for (Changes.DeadLetter dl : changes.deadLetters) {
      if (DeadLetters.UNDECODABLE.equals(dl.kind())) {
        metrics.undecodable();
      }
      metrics.deadLettered(dl.kind());
    }
    for (Changes.Touched touched : written) {
      String sid = touched.sessionId;
      touched.emitted.forEach(metrics::derived);
      touched.outcomes.forEach(metrics::outcome);
      touched.sampleStages.forEach(metrics::latencySample);
      OwnedSession o = touched.owned;
      if (touched.tombstone) {
        owned.remove(sid);
        sideband.detach(sid);
        metrics.ownedPhase(touched.phaseBefore, null);
        metrics.tombstoned();
        continue;
      }
      metrics.ownedPhase(touched.phaseBefore, o.state.phase());
      boolean firstCall = false;
      for (Decision.Effect e : touched.effects) {
        if (e instanceof Decision.Effect.ConnectSideband && o.state.liveCall()) {
          // the session's call now: of two calls reported in one unit, only the last is kept
          sideband.attach(sid, o.state.callId());
          firstCall |= touched.created() || touched.before.callId() == null;
        } else if (e instanceof Decision.Effect.CloseSideband) {
          sideband.detach(sid);
        } else if (e instanceof Decision.Effect.HangUp h) {
          hangups.hangUp(h.callId(), h.reason());
        }
      }
      if (firstCall && o.state.liveCall()) {
        checkConcurrency(sid, o);
      }
      schedule(sid, o);
    }
  }

  // ---- budgets ----

  /**
   * A session's first call started: its user's (and tenant's) other live calls are counted in the read
   * view, every instance's sessions, whenever those sessions began: the call that would go over a budget
   * is the one refused, so no order of starting calls (and no start time a client claims) gets past it.
   * A call whose snapshot the view has not read yet (milliseconds) is not counted, so two first calls
   * within that window can both pass, or, rarely, both be refused.
   */
  private void checkConcurrency(String sid, OwnedSession o) {
    SessionState s = o.state;
    int userMax = config.calls().maxConcurrentPerUser();
    long users = 1 + view.liveCallsOfUser(s.userId()).stream()
        .filter(e -> !e.sessionId().equals(sid)).count();
    Input over = null;
    if (users > userMax) {
      over = new Input.BudgetExceeded("user", "concurrency", users, userMax, s.eventTimeMs());
    } else if (s.tenantId() != null) {
      int tenantMax = config.calls().maxConcurrentPerTenant();
      long tenants = 1 + view.liveCallsOfTenant(s.tenantId()).stream()
          .filter(e -> !e.sessionId().equals(sid)).count();
      if (tenants > tenantMax) {
        over = new Input.BudgetExceeded("tenant", "concurrency", tenants, tenantMax, s.eventTimeMs());
      }
    }
    if (over != null) {
      writeOwnerInput(sid, over, 0);
    }
  }

  // ---- partitions ----

  /**
   * Called (on the consumer's loop, before any record of the new assignment is handled) with the
   * whole assignment: the group uses the eager protocol (range assignor, kafka-clients' default), so
   * every rebalance reassigns everything. Sessions of partitions that went elsewhere are dropped; those
   * of new partitions are restored from the read view once it has read the state topic up to now.
   */
  private Future<Void> onAssigned(Set<TopicPartition> partitions) {
    return serial(() -> restore(partitions));
  }

  private Future<Void> restore(Set<TopicPartition> partitions) {
    Set<Integer> now = partitions.stream().filter(tp -> tp.getTopic().equals(commandsTopic))
        .map(TopicPartition::getPartition).collect(Collectors.toSet());
    int dropped = 0;
    Iterator<Map.Entry<String, OwnedSession>> it = owned.entrySet().iterator();
    while (it.hasNext()) {
      Map.Entry<String, OwnedSession> e = it.next();
      if (!now.contains(e.getValue().state.commandPartition())) {
        it.remove();
        sideband.detach(e.getKey());
        metrics.ownedPhase(e.getValue().state.phase(), null);
        dropped++;
      }
    }
    Set<Integer> previously = assigned;
    assigned = now;
    if (dropped > 0) {
      LOG.info("dropped {} sessions of partitions no longer assigned", dropped);
    }
    if (now.isEmpty()) {
      return Future.succeededFuture();
    }
    // the view completes on its own event loop: hop back to ours before touching the owned sessions
    return view.caughtUp().compose(v -> onOwnContext()).map(v -> {
      long wallNow = clock.millis();
      int restored = 0;
      for (StateView.Entry entry : view.ofPartitions(now)) {
        if (owned.containsKey(entry.sessionId())) {
          continue;
        }
        SessionState s;
        try {
          s = SessionState.fromMap(entry.snapshotJson().getMap(), config.machine().summaryMaxChars());
        } catch (IllegalArgumentException e) {
          LOG.warn("cannot restore session {}: {}", entry.sessionId(), e.getMessage());
          continue;
        }
        OwnedSession o = new OwnedSession(s, wallNow);
        owned.put(entry.sessionId(), o);
        metrics.ownedPhase(null, s.phase());
        schedule(entry.sessionId(), o);
        if (s.liveCall()) {
          sideband.attach(entry.sessionId(), s.callId());
        }
        restored++;
      }
      LOG.info("assigned command partitions {} (before {}): restored {} sessions, {} owned", now, previously,
          restored, owned.size());
      return null;
    });
  }

  /** A future that completes on this verticle's event loop (callbacks chained on it run there). */
  private Future<Void> onOwnContext() {
    io.vertx.core.Promise<Void> p = io.vertx.core.Promise.promise();
    context.runOnContext(x -> p.complete());
    return p.future();
  }

  // ---- sideband ----

  /** Feeds an event from upstream back in as a command, so it is ordered and durable like the rest. */
  private void onUpstreamEvent(String sessionId, JsonObject raw, long receivedAtMs) {
    OwnedSession o = owned.get(sessionId);
    if (o == null) {
      return;
    }
    Optional<EventSummary> summary = UpstreamEvents.summarize(raw, receivedAtMs);
    if (summary.isEmpty()) {
      return;
    }
    EventEnvelope command = Commands.upstreamEvent(sessionId, summary.get(), o.state.userId(), o.state.deviceId(),
        Instant.ofEpochMilli(clock.millis()));
    publisher.publish(commandsTopic, command)
        .onSuccess(m -> metrics.upstreamForwarded(true))
        .onFailure(e -> {
          metrics.upstreamForwarded(false);
          LOG.warn("could not forward an upstream {} of session {}: {}", summary.get().type().wire(), sessionId,
              e.toString());
        });
  }

  /** For tests and benchmarks: how many sessions this instance owns. */
  public int ownedCount() {
    return owned.size();
  }
}
