package dev.rtvoice.common.event.payload;

import static dev.rtvoice.common.event.payload.Fields.field;
import static dev.rtvoice.common.event.payload.Fields.int32;
import static dev.rtvoice.common.event.payload.Fields.integer;
import static dev.rtvoice.common.event.payload.Fields.optionalInt32;
import static dev.rtvoice.common.event.payload.Fields.optionalInteger;
import static dev.rtvoice.common.event.payload.Fields.optionalText;
import static dev.rtvoice.common.event.payload.Fields.text;

import dev.rtvoice.common.event.EventType;
import dev.rtvoice.common.event.InvalidEventException;
import io.vertx.core.json.JsonObject;

/**
 * JSON of the payloads of {@code realtime.session.events}: session-service's state machine builds the
 * {@link SessionEventPayload} records and its owner writes them through {@link #encode(SessionEventPayload)};
 * metrics-service's counters and turn traces read them through {@link #decode(EventType, JsonObject)}.
 * Field names and order are the ones session-service has always written, nullable fields included as an
 * explicit {@code null} (session-service's {@code SessionEventBytesTest} holds the bytes). A field the
 * writer can leave null decodes to null; every other field is required, and a missing or mistyped one
 * is an {@link InvalidEventException} naming {@code payload.<field>} (what a reader does with it is the
 * reader's: metrics-service dead-letters the record and goes on). Unknown fields are ignored.
 */
public final class SessionEventCodecs {
  private SessionEventCodecs() {}

  /** Whether {@code type} is one of the payloads here (the derived events of {@code realtime.session.events}). */
  public static boolean covers(EventType type) {
    return switch (type) {
      case SESSION_STARTED, SESSION_ENDED, SESSION_PHASE_CHANGED, SESSION_INTERRUPTED, SESSION_INTERRUPT_RECOVERED,
          SESSION_INTERRUPT_RECOVERY_FAILED, SESSION_RECONNECT, SESSION_ICE_RESTART, SESSION_ICE_FAILED,
          SESSION_STALE_EVENT_IGNORED, SESSION_FALSE_INTERRUPTION, SESSION_ROLLOVER, SESSION_BUDGET_EXCEEDED,
          SESSION_CALL_HUNG_UP -> true;
      default -> false;
    };
  }

  /** Any session event's payload, as its own type's codec writes it. */
  public static JsonObject encode(SessionEventPayload p) {
    // Java 17: no pattern switch; the interface is sealed, so these are all the types
    if (p instanceof SessionPhaseChangedPayload x) {
      return encode(x);
    } else if (p instanceof SessionStartedPayload x) {
      return encode(x);
    } else if (p instanceof SessionEndedPayload x) {
      return encode(x);
    } else if (p instanceof SessionInterruptedPayload x) {
      return encode(x);
    } else if (p instanceof SessionInterruptRecoveredPayload x) {
      return encode(x);
    } else if (p instanceof SessionInterruptRecoveryFailedPayload x) {
      return encode(x);
    } else if (p instanceof SessionReconnectPayload x) {
      return encode(x);
    } else if (p instanceof SessionIceRestartPayload x) {
      return encode(x);
    } else if (p instanceof SessionIceFailedPayload x) {
      return encode(x);
    } else if (p instanceof SessionStaleEventIgnoredPayload x) {
      return encode(x);
    } else if (p instanceof SessionFalseInterruptionPayload x) {
      return encode(x);
    } else if (p instanceof SessionRolloverPayload x) {
      return encode(x);
    } else if (p instanceof SessionBudgetExceededPayload x) {
      return encode(x);
    } else if (p instanceof SessionCallHungUpPayload x) {
      return encode(x);
    }
    throw new IllegalArgumentException("not a session event payload: " + p);
  }

  /**
   * The payload of an event of {@code type}, decoded by that type's codec.
   *
   * @throws InvalidEventException a required field missing, a field of the wrong type
   * @throws IllegalArgumentException {@code type} is not one {@link #covers}
   */
  public static SessionEventPayload decode(EventType type, JsonObject json) {
    return switch (type) {
      case SESSION_STARTED -> decodeStarted(json);
      case SESSION_ENDED -> decodeEnded(json);
      case SESSION_PHASE_CHANGED -> decodePhaseChanged(json);
      case SESSION_INTERRUPTED -> decodeInterrupted(json);
      case SESSION_INTERRUPT_RECOVERED -> decodeInterruptRecovered(json);
      case SESSION_INTERRUPT_RECOVERY_FAILED -> decodeInterruptRecoveryFailed(json);
      case SESSION_RECONNECT -> decodeReconnect(json);
      case SESSION_ICE_RESTART -> decodeIceRestart(json);
      case SESSION_ICE_FAILED -> decodeIceFailed(json);
      case SESSION_STALE_EVENT_IGNORED -> decodeStaleEventIgnored(json);
      case SESSION_FALSE_INTERRUPTION -> decodeFalseInterruption(json);
      case SESSION_ROLLOVER -> decodeRollover(json);
      case SESSION_BUDGET_EXCEEDED -> decodeBudgetExceeded(json);
      case SESSION_CALL_HUNG_UP -> decodeCallHungUp(json);
      default -> throw new IllegalArgumentException(type + " has no session event payload");
    };
  }

  public static JsonObject encode(SessionStartedPayload p) {
    return new JsonObject().put("user_id", p.userId()).put("device_id", p.deviceId());
  }

  public static SessionStartedPayload decodeStarted(JsonObject json) {
    return new SessionStartedPayload(text(json, "user_id"), optionalText(json, "device_id"));
  }

  public static JsonObject encode(SessionPhaseChangedPayload p) {
    return new JsonObject()
        .put("from", p.from())
        .put("to", p.to())
        .put("cause", p.cause())
        .put("turn", p.turn());
  }

  public static SessionPhaseChangedPayload decodePhaseChanged(JsonObject json) {
    return new SessionPhaseChangedPayload(text(json, "from"), text(json, "to"), optionalText(json, "cause"),
        int32(json, "turn"));
  }

  public static JsonObject encode(SessionInterruptedPayload p) {
    return new JsonObject()
        .put("interrupt_id", p.interruptId())
        .put("response_id", p.responseId())
        .put("phase_before", p.phaseBefore())
        .put("audio_end_ms", p.audioEndMs())
        .put("delivered_audio_ms", p.deliveredAudioMs())
        .put("truncate_audio_end_ms", p.truncateAudioEndMs());
  }

  public static SessionInterruptedPayload decodeInterrupted(JsonObject json) {
    return new SessionInterruptedPayload(text(json, "interrupt_id"), optionalText(json, "response_id"),
        text(json, "phase_before"), integer(json, "audio_end_ms"), optionalInteger(json, "delivered_audio_ms"),
        optionalInteger(json, "truncate_audio_end_ms"));
  }

  public static JsonObject encode(SessionInterruptRecoveredPayload p) {
    return new JsonObject().put("interrupt_id", p.interruptId()).put("duration_ms", p.durationMs());
  }

  public static SessionInterruptRecoveredPayload decodeInterruptRecovered(JsonObject json) {
    return new SessionInterruptRecoveredPayload(text(json, "interrupt_id"), integer(json, "duration_ms"));
  }

  public static JsonObject encode(SessionInterruptRecoveryFailedPayload p) {
    return new JsonObject().put("interrupt_id", p.interruptId()).put("reason", p.reason());
  }

  public static SessionInterruptRecoveryFailedPayload decodeInterruptRecoveryFailed(JsonObject json) {
    return new SessionInterruptRecoveryFailedPayload(text(json, "interrupt_id"), text(json, "reason"));
  }

  public static JsonObject encode(SessionReconnectPayload p) {
    return new JsonObject().put("class", p.recoveryClass()).put("reason", p.reason());
  }

  public static SessionReconnectPayload decodeReconnect(JsonObject json) {
    return new SessionReconnectPayload(text(json, "class"), text(json, "reason"));
  }

  public static JsonObject encode(SessionIceRestartPayload p) {
    return new JsonObject().put("reason", p.reason());
  }

  public static SessionIceRestartPayload decodeIceRestart(JsonObject json) {
    return new SessionIceRestartPayload(text(json, "reason"));
  }

  public static JsonObject encode(SessionIceFailedPayload p) {
    return new JsonObject().put("ice_state", p.iceState());
  }

  public static SessionIceFailedPayload decodeIceFailed(JsonObject json) {
    return new SessionIceFailedPayload(text(json, "ice_state"));
  }

  public static JsonObject encode(SessionStaleEventIgnoredPayload p) {
    return new JsonObject()
        .put("response_id", p.responseId())
        .put("event_type", p.eventType())
        .put("reason", p.reason());
  }

  public static SessionStaleEventIgnoredPayload decodeStaleEventIgnored(JsonObject json) {
    return new SessionStaleEventIgnoredPayload(text(json, "response_id"), text(json, "event_type"),
        text(json, "reason"));
  }

  public static JsonObject encode(SessionFalseInterruptionPayload p) {
    return new JsonObject()
        .put("response_id", p.responseId())
        .put("speech_ms", p.speechMs())
        .put("words", p.words())
        .put("reason", p.reason());
  }

  public static SessionFalseInterruptionPayload decodeFalseInterruption(JsonObject json) {
    return new SessionFalseInterruptionPayload(optionalText(json, "response_id"), integer(json, "speech_ms"),
        optionalInt32(json, "words"), text(json, "reason"));
  }

  public static JsonObject encode(SessionEndedPayload p) {
    return new JsonObject().put("reason", p.reason()).put("turns", p.turns());
  }

  public static SessionEndedPayload decodeEnded(JsonObject json) {
    return new SessionEndedPayload(text(json, "reason"), int32(json, "turns"));
  }

  public static JsonObject encode(SessionRolloverPayload p) {
    JsonObject json = new JsonObject().put("outcome", p.outcome());
    // Java 17: no pattern switch; the interface is sealed, so these are all the shapes
    if (p instanceof SessionRolloverPayload.Planned planned) {
      json.put("reason", planned.reason()).put("call_id", planned.callId()).put("deadline_ms", planned.deadlineMs());
    } else if (p instanceof SessionRolloverPayload.Completed completed) {
      json.put("old_call_id", completed.oldCallId())
          .put("new_call_id", completed.newCallId())
          .put("gap_ms", completed.gapMs())
          .put("rollovers", completed.rollovers());
    } else {
      SessionRolloverPayload.Failed failed = (SessionRolloverPayload.Failed) p;
      json.put("reason", failed.reason()).put("call_id", failed.callId());
    }
    return json;
  }

  /** An {@code outcome} other than the three of docs/events.md is malformed: its fields are unknown. */
  public static SessionRolloverPayload decodeRollover(JsonObject json) {
    String outcome = text(json, "outcome");
    return switch (outcome) {
      case "planned" -> new SessionRolloverPayload.Planned(text(json, "reason"), optionalText(json, "call_id"),
          integer(json, "deadline_ms"));
      case "completed" -> new SessionRolloverPayload.Completed(text(json, "old_call_id"), text(json, "new_call_id"),
          optionalInteger(json, "gap_ms"), int32(json, "rollovers"));
      case "failed" -> new SessionRolloverPayload.Failed(optionalText(json, "reason"), optionalText(json, "call_id"));
      default -> throw new InvalidEventException(field("outcome"), "must be planned, completed or failed");
    };
  }

  public static JsonObject encode(SessionCallHungUpPayload p) {
    return new JsonObject().put("call_id", p.callId()).put("reason", p.reason());
  }

  public static SessionCallHungUpPayload decodeCallHungUp(JsonObject json) {
    return new SessionCallHungUpPayload(text(json, "call_id"), text(json, "reason"));
  }

  public static JsonObject encode(SessionBudgetExceededPayload p) {
    return new JsonObject()
        .put("scope", p.scope())
        .put("limit", p.limit())
        .put("value", p.value())
        .put("max", p.max());
  }

  public static SessionBudgetExceededPayload decodeBudgetExceeded(JsonObject json) {
    return new SessionBudgetExceededPayload(text(json, "scope"), text(json, "limit"), integer(json, "value"),
        integer(json, "max"));
  }
}
