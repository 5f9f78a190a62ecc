package dev.rtvoice.sessions.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rtvoice.sessions.domain.SessionState;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The read view's stored form: smaller than the snapshot, and the same JSON when read. */
class CompactSnapshotTest {

  /** A snapshot as the view gets it: encoded by the owner, decoded from the record. */
  private static Map<String, Object> asRead(SessionState s) {
    return new JsonObject(new JsonObject(s.toMap()).encode()).getMap();
  }

  @Test
  void anIdleSessionIsReadBackFieldForFieldInTheSameOrder() {
    Map<String, Object> snapshot = asRead(SessionState.start("s-1", "u-1", "d-1", "web", 1_700_000_000_000L, 2_000));
    String written = new JsonObject(snapshot).encode();

    CompactSnapshot.Stored stored = CompactSnapshot.of(snapshot);

    assertThat(CompactSnapshot.json(stored.bytes(), stored.shape()).encode()).isEqualTo(written);
    // the nulls, zeros and empty lists of an idle session are most of it
    assertThat(stored.bytes().length).isLessThan(written.length() / 2);
  }

  @Test
  void snapshotsOfTheSameFormShareOneShape() {
    CompactSnapshot.Stored a = CompactSnapshot.of(asRead(SessionState.start("s-a", "u", "d", "web", 1L, 2_000)));
    CompactSnapshot.Stored b = CompactSnapshot.of(asRead(SessionState.start("s-b", "v", "e", "ios", 2L, 2_000)));
    assertThat(b.shape()).isSameAs(a.shape());
  }

  @Test
  void valuesThatAreNotDefaultsAndNestedObjectsSurvive() {
    JsonObject snapshot = new JsonObject()
        .put("session_id", "s-2").put("phase", "SPEAKING").put("turn", 3).put("response_id", null)
        .put("big", 5_000_000_000L).put("zero_long", 0L).put("zero_int", 0).put("ratio", 0.0).put("flag", false)
        .put("yes", true).put("empty", "").put("held", new io.vertx.core.json.JsonArray())
        .put("lines", new io.vertx.core.json.JsonArray().add("hello"))
        .put("counters", new JsonObject().put("interrupts", 0).put("stale_events", 2))
        .put("summary", new JsonObject().put("chars", 0).put("lines", new io.vertx.core.json.JsonArray()));
    Map<String, Object> read = new JsonObject(snapshot.encode()).getMap();
    String written = new JsonObject(read).encode();

    CompactSnapshot.Stored stored = CompactSnapshot.of(read);
    JsonObject back = CompactSnapshot.json(stored.bytes(), stored.shape());

    assertThat(back.encode()).isEqualTo(written);
    // the same number type as decoding the record gave
    assertThat(back.getValue("zero_long")).isEqualTo(read.get("zero_long"));
    assertThat(back.getValue("big")).isEqualTo(5_000_000_000L);
    assertThat(back.getJsonObject("counters").getInteger("stale_events")).isEqualTo(2);
    // each read gets lists of its own: a reader that adds to one does not change the next read
    back.getJsonArray("held").add("x");
    assertThat(CompactSnapshot.json(stored.bytes(), stored.shape()).getJsonArray("held")).isEmpty();
  }

  @Test
  void anIdleSessionRestoresToTheSameState() {
    SessionState s = SessionState.start("s-3", "u-3", "d-3", "android", 1_700_000_000_123L, 2_000);
    CompactSnapshot.Stored stored = CompactSnapshot.of(asRead(s));
    SessionState back = SessionState.fromMap(CompactSnapshot.json(stored.bytes(), stored.shape()).getMap(), 2_000);
    assertThat(new JsonObject(back.toMap()).encode()).isEqualTo(new JsonObject(s.toMap()).encode());
  }
}
