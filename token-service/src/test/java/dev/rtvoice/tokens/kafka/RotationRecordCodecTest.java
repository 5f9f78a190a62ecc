package dev.rtvoice.tokens.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rtvoice.tokens.domain.RotationRecord;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

class RotationRecordCodecTest {
  @Test
  void roundTripsBothKinds() {
    RotationRecord rotated = RotationRecord.rotated("rts_1", 3, "rot", 1_000, 2_000, "sealed", "{\"e\":1}");
    assertThat(RotationRecordCodec.decode("rts_1", RotationRecordCodec.encode(rotated))).isEqualTo(rotated);
    RotationRecord revoked = RotationRecord.revoked("rts_1", 4, 1_500, 2_000);
    assertThat(RotationRecordCodec.decode("rts_1", RotationRecordCodec.encode(revoked))).isEqualTo(revoked);
  }

  @Test
  void refusesWhatIsNotARecordOfThisVersion() {
    JsonObject good = RotationRecordCodec.encode(RotationRecord.rotated("s", 0, "r", 1, 2, "a", "e")).toJsonObject();
    for (JsonObject bad : new JsonObject[] {
        good.copy().put("v", 2),
        good.copy().put("kind", "forked"),
        good.copy().put("generation", 5),
        good.copy().put("generation", "1"),
        good.copy().putNull("rotation_id"),
        withoutField(good, "answer"),
        withoutField(good, "at_ms")}) {
      assertThatThrownBy(() -> RotationRecordCodec.decode("s", bad.toBuffer()))
          .as(bad.encode()).isInstanceOf(IllegalArgumentException.class);
    }
    // a record under another session's key
    assertThatThrownBy(() -> RotationRecordCodec.decode("other", good.toBuffer()))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> RotationRecordCodec.decode("s", Buffer.buffer("not json")))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> RotationRecordCodec.decode("s", Buffer.buffer("[1]")))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> RotationRecordCodec.decode("s", null)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> RotationRecordCodec.decode("s", Buffer.buffer("x".repeat(70_000))))
        .isInstanceOf(IllegalArgumentException.class);
  }

  private static JsonObject withoutField(JsonObject json, String field) {
    JsonObject copy = json.copy();
    copy.remove(field);
    return copy;
  }
}
