package dev.rtvoice.tokens.domain;

import static org.assertj.core.api.Assertions.assertThat;

import java.security.SecureRandom;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SessionIdsTest {
  private final SessionIds ids = new SessionIds(new SecureRandom()::nextBytes);

  @Test
  void idsAreOursUniqueUrlSafeAndCarryTheirSettings() {
    SessionSettings settings = new SessionSettings("gpt-realtime", "marin", 120);
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < 1_000; i++) {
      String id = ids.newId(settings);
      assertThat(id).startsWith("rts_").matches("[A-Za-z0-9._-]+").hasSizeLessThan(100);
      assertThat(seen.add(id)).isTrue();
      assertThat(SessionIds.settingsOf(id)).contains(settings);
    }
  }

  @Test
  void foreignOrDamagedIdsHaveNoSettings() {
    assertThat(SessionIds.settingsOf(null)).isEmpty();
    assertThat(SessionIds.settingsOf("sess_abc")).isEmpty();
    assertThat(SessionIds.settingsOf("rts_abc")).isEmpty();
    assertThat(SessionIds.settingsOf("rts_abc.")).isEmpty();
    assertThat(SessionIds.settingsOf("rts_abc.!!!")).isEmpty();
    assertThat(SessionIds.settingsOf("rts_abc.bm90IHRocmVlIHBhcnRz")).isEmpty();
  }
}
