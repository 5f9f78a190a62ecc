package dev.rtvoice.metrics.domain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.UUID;
import org.junit.jupiter.api.Test;

class RecentEventIdsTest {

  @Test
  void aCopyOfARecentEventIsRecognised() {
    RecentEventIds ids = new RecentEventIds(10);
    UUID a = UUID.randomUUID();
    assertThat(ids.firstSighting(a)).isTrue();
    assertThat(ids.firstSighting(UUID.randomUUID())).isTrue();
    assertThat(ids.firstSighting(a)).isFalse();
    assertThat(ids.firstSighting(UUID.fromString(a.toString()))).as("equal id, other instance").isFalse();
  }

  @Test
  void memoryIsBoundedAndTheOldestIdIsForgottenFirst() {
    RecentEventIds ids = new RecentEventIds(3);
    UUID first = UUID.randomUUID();
    ids.firstSighting(first);
    UUID second = UUID.randomUUID();
    ids.firstSighting(second);
    ids.firstSighting(UUID.randomUUID());
    ids.firstSighting(UUID.randomUUID());
    assertThat(ids.size()).isEqualTo(3);
    assertThat(ids.firstSighting(first)).as("older than the capacity: counted again").isTrue();
    assertThat(ids.firstSighting(UUID.randomUUID())).isTrue();
    assertThat(ids.size()).isEqualTo(3);
  }

  @Test
  void capacityMustBePositive() {
    assertThatThrownBy(() -> new RecentEventIds(0)).isInstanceOf(IllegalArgumentException.class);
  }
}
