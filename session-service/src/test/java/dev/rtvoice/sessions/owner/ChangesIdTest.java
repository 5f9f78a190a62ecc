package dev.rtvoice.sessions.owner;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * A derived event's id is a function of its command and its place among the command's outputs: the
 * same on every replay, and the same as the versions before computed it (a consumer that deduplicates
 * by event id sees a replay across an upgrade as the duplicate it is).
 */
class ChangesIdTest {
  @Test
  void idsAreTheVersionThreeUuidsOfTheCommandAndIndex() {
    for (int i = 0; i < 10_000; i++) {
      String keyBase = UUID.randomUUID() + (i % 3 == 0 ? "" : "/" + i);
      int n = i % 7;
      UUID expected = UUID.nameUUIDFromBytes((keyBase + "/" + n).getBytes(StandardCharsets.UTF_8));
      UUID id = Changes.idOf(keyBase, n);
      assertThat(id).isEqualTo(expected);
      assertThat(id.version()).isEqualTo(3);
      assertThat(id.variant()).isEqualTo(2);
    }
  }

  @Test
  void theDigestKeptPerThreadGivesTheSameIdsOnEveryThread() throws Exception {
    UUID expected = Changes.idOf("command", 1);
    UUID[] seen = new UUID[1];
    Thread other = new Thread(() -> seen[0] = Changes.idOf("command", 1));
    other.start();
    other.join();
    assertThat(seen[0]).isEqualTo(expected).isEqualTo(Changes.idOf("command", 1));
  }
}
