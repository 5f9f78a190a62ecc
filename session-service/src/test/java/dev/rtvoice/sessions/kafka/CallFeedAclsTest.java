package dev.rtvoice.sessions.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rtvoice.common.kafka.ServiceAcls;
import dev.rtvoice.common.kafka.Topics;
import dev.rtvoice.sessions.SessionServiceVerticle;
import org.junit.jupiter.api.Test;

/**
 * The call feed's group and topic are written in two places (the feed's wiring here, the ACL table in
 * common, which cannot see this module): they must name the same things, or a secured cluster refuses
 * the feed while readiness probes a group nobody uses.
 */
class CallFeedAclsTest {
  @Test
  void theAclTableGrantsTheFeedsGroupAndTopic() {
    assertThat(ServiceAcls.of("session-service")).anySatisfy(r -> {
      assertThat(r.type()).isEqualTo(ServiceAcls.ResourceType.GROUP);
      assertThat(r.name()).isEqualTo(ServiceAcls.PREFIX + SessionServiceVerticle.CALL_FEED_GROUP);
    }).anySatisfy(r -> {
      assertThat(r.type()).isEqualTo(ServiceAcls.ResourceType.TOPIC);
      assertThat(r.name()).isEqualTo(ServiceAcls.PREFIX + Topics.TOKEN_EVENTS);
      assertThat(r.operations()).contains("Describe", "Read");
    });
  }
}
