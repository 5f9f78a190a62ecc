package dev.rtvoice.sessions.domain;

import dev.rtvoice.common.event.payload.SessionEventPayload;
import dev.rtvoice.common.event.EventType;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What applying one input decided: its outcome, the derived events to publish, latency samples,
 * effects outside the state (the sideband, the tombstone), and the reply for a caller that waits.
 */
public final class Decision {
  /** The fate of an input. */
  public enum Outcome {
    /** Applied: the state changed (a transition, or facts such as ids and counters). */
    APPLIED,
    /** Seen before (sequence or upstream event id): applied at most once, so not again. */
    DUPLICATE,
    /** Ahead of a gap in the client's sequence: held until the gap fills. */
    HELD,
    /** For a response that was cancelled or done: ignored and counted. */
    STALE,
    /** Not a legal transition in the current phase: refused, never applied. */
    REFUSED,
    /**
     * Past a gap, over the held events' budget: this event and those held are dropped (never applied),
     * and the session is sent to RECOVERING with the {@code event_order_broken} advice.
     */
    DROPPED,
    /** Nothing to do (time passed and no deadline was due). */
    NOTHING
  }

  /**
   * A derived event for {@code realtime.session.events}: its payload as common's record of its type
   * (the owner encodes it with {@code SessionEventCodecs}).
   */
  public record Emitted(SessionEventPayload payload, long occurredAtMs) {
    public EventType type() {
      return payload.type();
    }
  }

  /** A latency sample for {@code realtime.latency.samples}. */
  public record LatencySample(String stage, long valueMs, int turn, String platform, long occurredAtMs) {}

  /** Something to do outside the state. */
  public sealed interface Effect {
    /** Send {@code response.cancel} over the sideband ({@code responseId} may be null: "whatever is active"). */
    record CancelUpstream(String interruptId, String responseId) implements Effect {}

    /** Attach (or move) the sideband to this upstream call. */
    record ConnectSideband(String callId) implements Effect {}

    record CloseSideband() implements Effect {}

    /**
     * End this upstream call ({@code POST /v1/realtime/calls/{id}/hangup}): abandoned, over budget, or
     * the old call of a hand-over.
     */
    record HangUp(String callId, String reason) implements Effect {}

    /** The session's retention has passed: delete its snapshot (null value on the compacted topic). */
    record Tombstone() implements Effect {}
  }

  private Outcome outcome;
  private String detail;
  private final List<Emitted> events = new ArrayList<>(2);
  private final List<LatencySample> samples = new ArrayList<>(0);
  private final List<Effect> effects = new ArrayList<>(0);
  private Map<String, Object> reply;
  private boolean touched;
  private int droppedEvents;

  public Outcome outcome() {
    return outcome == null ? Outcome.NOTHING : outcome;
  }

  /** Why an input was refused or ignored, for people. */
  public String detail() {
    return detail;
  }

  public List<Emitted> events() {
    return events;
  }

  public List<LatencySample> samples() {
    return samples;
  }

  public List<Effect> effects() {
    return effects;
  }

  /** The answer for a waiting caller (interrupt, recovery); null for other inputs. */
  public Map<String, Object> reply() {
    return reply;
  }

  /** Whether the session's state changed (so a new snapshot must be written). */
  public boolean changedState() {
    return touched || outcome != null && outcome != Outcome.NOTHING || !events.isEmpty() || !effects.isEmpty();
  }

  /** Client events this input made the session drop (itself included), over the held-events budget. */
  public int droppedEvents() {
    return droppedEvents;
  }

  void dropped(int events) {
    droppedEvents += events;
  }

  /** A deadline fired: the state changed even if no event was applied. */
  void touch() {
    touched = true;
  }

  void outcome(Outcome outcome, String detail) {
    // the first outcome is the input's; later ones (held events released by it) only count
    if (this.outcome == null) {
      this.outcome = outcome;
      this.detail = detail;
    }
  }

  void emit(SessionEventPayload payload, long atMs) {
    events.add(new Emitted(payload, atMs));
  }

  void sample(LatencySample sample) {
    samples.add(sample);
  }

  void effect(Effect effect) {
    effects.add(effect);
  }

  void reply(Map<String, Object> reply) {
    this.reply = reply;
  }
}
