package dev.rtvoice.sessions.domain;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rtvoice.common.event.EventType;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A recover answered 503 after its deadline may still have been written; the client's retry carries
 * the same recovery id and is applied once: no second {@code session.reconnect}, the plan answered again.
 */
class RecoveryRetryTest {
  private static Decision recover(Script s, String id, String reason) {
    s.now += 10;
    return s.machine.apply(s.state, new Input.RecoveryRequest(id, reason, s.now, Script.T0 + 600_000, s.now));
  }

  @Test
  void aRetryWithTheSameIdIsADuplicateAnsweredWithTheSamePlan() {
    Script s = new Script().speaking();
    Decision first = recover(s, "rec_1", "ice_failed");
    Map<String, Object> stateAfterFirst = s.state.toMap();
    Decision retry = recover(s, "rec_1", "ice_failed");
    assertThat(retry.outcome()).isEqualTo(Decision.Outcome.DUPLICATE);
    assertThat(retry.events()).isEmpty();
    assertThat(retry.reply()).containsEntry("outcome", "duplicate").containsEntry("summary", first.reply().get("summary"));
    // the same plan (its secret_expires_in_ms counted from the retry's own clock)
    Map<?, ?> plan = (Map<?, ?>) retry.reply().get("plan");
    Map<?, ?> firstPlan = (Map<?, ?>) first.reply().get("plan");
    for (String key : new String[] {"class", "reason", "rebuild_peer", "keep_token", "reissue_token", "ice_restart"}) {
      assertThat(plan.get(key)).as(key).isEqualTo(firstPlan.get(key));
    }
    assertThat(s.state.counter(Counter.RECONNECTS_TRANSPORT)).isEqualTo(1);
    assertThat(s.state.counter(Counter.DUPLICATES)).isEqualTo(1);
    Map<String, Object> now = s.state.toMap();
    assertThat(((Map<?, ?>) now.get("counters")).get("duplicates")).isEqualTo(1);
    assertThat(now.get("phase")).isEqualTo(stateAfterFirst.get("phase"));
    assertThat(now.get("last_recovery_id")).isEqualTo("rec_1");
  }

  @Test
  void aNewIdOrNoIdIsANewRecovery() {
    Script s = new Script().speaking();
    recover(s, "rec_1", "ice_failed");
    s.send("client.reconnected", "reason", "ice_failed");
    Decision second = recover(s, "rec_2", "ice_failed");
    assertThat(second.outcome()).isEqualTo(Decision.Outcome.APPLIED);
    assertThat(second.events()).extracting(Decision.Emitted::type).contains(EventType.SESSION_RECONNECT);
    // without an id nothing can be recognized: each is applied (as before recovery ids)
    recover(s, null, "network_switch");
    recover(s, null, "network_switch");
    assertThat(s.state.counter(Counter.RECONNECTS_TRANSPORT)).isEqualTo(4);
    // and the id of an older recovery, after a newer one, is applied again: only the last is remembered
    assertThat(recover(s, "rec_1", "ice_failed").outcome()).isEqualTo(Decision.Outcome.APPLIED);
  }

  @Test
  void theRecoveryIdSurvivesASnapshot() {
    Script s = new Script().listening();
    recover(s, "rec_9", "token_expired");
    SessionState restored = SessionState.fromMap(s.state.toMap(), 2_000);
    Script r = new Script(MachineSettings.defaults(), restored);
    r.now = s.now;
    assertThat(recover(r, "rec_9", "token_expired").outcome()).isEqualTo(Decision.Outcome.DUPLICATE);
  }
}
