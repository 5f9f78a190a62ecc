package dev.rtvoice.common.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CompletionException;
import org.apache.kafka.common.errors.DisconnectException;
import org.apache.kafka.common.errors.NotLeaderOrFollowerException;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.junit.jupiter.api.Test;

/** Which failures the topic log waits out and which it reports: the split of its one policy. */
class TopicLogFailurePolicyTest {

  @Test
  void aBrokerAwayOrALeaderMovingIsWaitedOut() {
    assertThat(TopicLog.retriable(new TimeoutException("Timeout expired while fetching topic metadata"))).isTrue();
    assertThat(TopicLog.retriable(new DisconnectException())).isTrue();
    assertThat(TopicLog.retriable(new NotLeaderOrFollowerException("moved"))).isTrue();
    // however deep the client wrapped it
    assertThat(TopicLog.retriable(new CompletionException(new RuntimeException(new TimeoutException("t"))))).isTrue();
  }

  @Test
  void whatWaitingDoesNotCureIsReported() {
    assertThat(TopicLog.retriable(new TopicAuthorizationException("denied"))).isFalse();
    assertThat(TopicLog.retriable(new SaslAuthenticationException("bad password"))).isFalse();
    assertThat(TopicLog.retriable(new IllegalStateException("anything not known to be transient"))).isFalse();
  }
}
