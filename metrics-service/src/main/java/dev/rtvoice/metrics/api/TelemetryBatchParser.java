package dev.rtvoice.metrics.api;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.rtvoice.common.http.ApiException;
import dev.rtvoice.metrics.domain.RawSample;
import dev.rtvoice.metrics.domain.RejectReason;
import dev.rtvoice.metrics.domain.Rejection;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads {@code {"session_id"?: string, "samples": [ {...}, ... ]}} with Jackson's streaming parser:
 * no tree of maps per sample, which matters at hundreds of thousands of samples a second. The body
 * as a whole must be JSON with a {@code samples} array of at most {@code maxBatch} elements (else
 * 400, naming the field); an element of the wrong shape or a field of the wrong type only rejects
 * that element, with its reason. Unknown fields are ignored.
 *
 * <p>A number no clock can produce is a malformed request rather than a bad sample: an
 * {@code occurred_at} outside 1970-01-01 .. 9999-12-31 fails the batch with 400 naming the field
 * ({@code samples[i].occurred_at}), so that no arithmetic on it can overflow further down.
 */
public final class TelemetryBatchParser {
  private static final JsonFactory FACTORY = JsonFactory.builder().build();
  /** 9999-12-31T23:59:59.999Z: the last instant ISO-8601 writes with four year digits. */
  public static final long MAX_EPOCH_MS = 253_402_300_799_999L;
  public static final int MAX_BATCH_ID_LENGTH = 64;

  private final int maxBatch;

  public TelemetryBatchParser(int maxBatch) {
    this.maxBatch = maxBatch;
  }

  public TelemetryBatch parse(byte[] body) {
    if (body == null || body.length == 0) {
      throw new ApiException(400, "invalid_json", "a JSON object body is required");
    }
    try (JsonParser p = FACTORY.createParser(body)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw new ApiException(400, "invalid_json", "request body must be a JSON object");
      }
      String sessionId = null;
      String batchId = null;
      List<RawSample> samples = null;
      List<Rejection> unreadable = null;
      JsonToken t;
      while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        JsonToken value = p.nextToken();
        if ("samples".equals(name)) {
          if (value != JsonToken.START_ARRAY) {
            throw ApiException.badRequest("samples", "must be an array");
          }
          samples = new ArrayList<>(64);
          unreadable = new ArrayList<>(64);
          readSamples(p, samples, unreadable);
        } else if ("batch_id".equals(name)) {
          if (value == JsonToken.VALUE_STRING && isBatchId(p.getText())) {
            batchId = p.getText();
          } else if (value != JsonToken.VALUE_NULL) {
            throw ApiException.badRequest("batch_id",
                "must be 1 to " + MAX_BATCH_ID_LENGTH + " characters of A-Z a-z 0-9 . _ : -");
          }
        } else if ("session_id".equals(name)) {
          if (value == JsonToken.VALUE_STRING) {
            sessionId = p.getText();
          } else if (value != JsonToken.VALUE_NULL) {
            throw ApiException.badRequest("session_id", "must be a string");
          }
        } else {
          p.skipChildren();
        }
      }
      if (t != JsonToken.END_OBJECT || p.nextToken() != null) {
        throw new ApiException(400, "invalid_json", "request body is not valid JSON");
      }
      if (samples == null) {
        throw ApiException.badRequest("samples", "is required");
      }
      return new TelemetryBatch(sessionId, batchId, samples.toArray(new RawSample[0]), unreadable.toArray(new Rejection[0]));
    } catch (IOException e) {
      // JsonParseException, number too long, truncated body: the batch as a whole is unreadable
      throw new ApiException(400, "invalid_json", "request body is not valid JSON");
    }
  }

  private void readSamples(JsonParser p, List<RawSample> samples, List<Rejection> unreadable) throws IOException {
    JsonToken t;
    int index = 0;
    while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
      if (t == null) {
        throw new IOException("truncated");
      }
      if (index >= maxBatch) {
        throw ApiException.badRequest("samples", "at most " + maxBatch + " samples per batch");
      }
      if (t == JsonToken.START_OBJECT) {
        readSample(p, index, samples, unreadable);
      } else {
        p.skipChildren();
        samples.add(null);
        unreadable.add(new Rejection(index, RejectReason.NOT_AN_OBJECT, "sample must be a JSON object"));
      }
      index++;
    }
  }

  private static void readSample(JsonParser p, int index, List<RawSample> samples, List<Rejection> unreadable)
      throws IOException {
    String sessionId = null;
    String stage = null;
    Double value = null;
    Long turn = null;
    Long occurredAt = null;
    String platform = null;
    String model = null;
    Rejection error = null;
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String name = p.currentName();
      JsonToken v = p.nextToken();
      if (v == JsonToken.VALUE_NULL) {
        continue; // null is the same as absent: the rules say whether the field is required
      }
      switch (name) {
        case "stage" -> {
          if (v == JsonToken.VALUE_STRING) {
            stage = p.getText();
          } else {
            error = first(error, index, RejectReason.UNKNOWN_STAGE, "stage must be a string");
          }
        }
        case "value_ms" -> {
          if (v.isNumeric()) {
            value = p.getDoubleValue();
          } else {
            error = first(error, index, RejectReason.INVALID_VALUE, "value_ms must be a number");
          }
        }
        case "turn" -> {
          if (v == JsonToken.VALUE_NUMBER_INT && p.getNumberType() != JsonParser.NumberType.BIG_INTEGER) {
            turn = p.getLongValue();
          } else {
            error = first(error, index, RejectReason.INVALID_TURN, "turn must be an integer");
          }
        }
        case "occurred_at" -> {
          if (v == JsonToken.VALUE_STRING) {
            try {
              occurredAt = inRange(index, IsoInstants.parseEpochMillis(p.getText()));
            } catch (IllegalArgumentException e) {
              error = first(error, index, RejectReason.INVALID_OCCURRED_AT,
                  "occurred_at must be an ISO-8601 instant such as 2026-01-31T12:00:00.123Z");
            }
          } else if (v == JsonToken.VALUE_NUMBER_INT && p.getNumberType() != JsonParser.NumberType.BIG_INTEGER) {
            occurredAt = inRange(index, p.getLongValue());
          } else if (v == JsonToken.VALUE_NUMBER_INT) {
            throw outOfRange(index);
          } else {
            error = first(error, index, RejectReason.INVALID_OCCURRED_AT,
                "occurred_at must be an ISO-8601 instant or epoch milliseconds");
          }
        }
        case "platform" -> {
          if (v == JsonToken.VALUE_STRING) {
            platform = p.getText();
          } else {
            error = first(error, index, RejectReason.INVALID_PLATFORM, "platform must be a string");
          }
        }
        case "session_id" -> {
          if (v == JsonToken.VALUE_STRING) {
            sessionId = p.getText();
          } else {
            error = first(error, index, RejectReason.INVALID_SESSION_ID, "session_id must be a string");
          }
        }
        case "model" -> {
          if (v == JsonToken.VALUE_STRING) {
            model = p.getText();
          } else {
            error = first(error, index, RejectReason.INVALID_MODEL, "model must be a string");
          }
        }
        default -> {
          // unknown fields are ignored
        }
      }
      p.skipChildren(); // a no-op for scalars; steps over an object or array given where a scalar belongs
    }
    if (error != null) {
      samples.add(null);
      unreadable.add(error);
    } else {
      samples.add(new RawSample(sessionId, stage, value, turn, occurredAt, platform, model));
      unreadable.add(null);
    }
  }

  private static long inRange(int index, long epochMs) {
    if (epochMs < 0 || epochMs > MAX_EPOCH_MS) {
      throw outOfRange(index);
    }
    return epochMs;
  }

  private static ApiException outOfRange(int index) {
    return ApiException.badRequest("samples[" + index + "].occurred_at",
        "must be an instant between 1970-01-01T00:00:00Z and 9999-12-31T23:59:59.999Z (epoch milliseconds 0 to "
            + MAX_EPOCH_MS + ")");
  }

  static boolean isBatchId(String id) {
    int n = id.length();
    if (n == 0 || n > MAX_BATCH_ID_LENGTH) {
      return false;
    }
    for (int i = 0; i < n; i++) {
      char c = id.charAt(i);
      if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_'
          || c == ':' || c == '-')) {
        return false;
      }
    }
    return true;
  }

  private static Rejection first(Rejection existing, int index, RejectReason reason, String message) {
    return existing != null ? existing : new Rejection(index, reason, message);
  }
}
