package dev.rtvoice.tokens.domain;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rtvoice.common.handle.SessionHandle;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class HandleCheckTest {
  private final Instant t = Instant.parse("2026-01-31T12:00:00Z");
  private final SessionHandle handle = new SessionHandle("rts_1", "alice", "phone", 0, t, t.plusSeconds(300),
      t.plusSeconds(360));

  @Test
  void theHandleMustBeThisSessionsThisUsersAndThisDevices() {
    assertThat(HandleCheck.check(handle, "rts_1", "alice", "phone")).isEqualTo(HandleCheck.Result.OK);
    assertThat(HandleCheck.check(handle, "rts_2", "alice", "phone")).isEqualTo(HandleCheck.Result.OTHER_SESSION);
    assertThat(HandleCheck.check(handle, "rts_1", "bob", "phone")).isEqualTo(HandleCheck.Result.OTHER_USER);
    assertThat(HandleCheck.check(handle, "rts_1", "alice", "laptop")).isEqualTo(HandleCheck.Result.OTHER_DEVICE);
  }
}
