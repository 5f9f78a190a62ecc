package dev.rtvoice.tokens.domain;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class BrokerAvailabilityTest {
  @Test
  void aFailedWriteMarksKafkaDownFromItsFirstFailureUntilItIsReachedAgain() {
    BrokerAvailability availability = new BrokerAvailability();
    assertThat(availability.knownDown()).isFalse();

    availability.writeFailed(1_000);
    availability.writeFailed(2_000);
    assertThat(availability.knownDown()).isTrue();
    assertThat(availability.downSinceMs()).isEqualTo(1_000);

    availability.reachable();
    assertThat(availability.knownDown()).isFalse();
    assertThat(availability.downSinceMs()).isEqualTo(-1);
  }
}
