package dev.rtvoice.tokens.domain;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rtvoice.tokens.domain.UpstreamFailure.Kind;
import org.junit.jupiter.api.Test;

class UpstreamFailureTest {
  @Test
  void statusesAreClassified() {
    assertThat(UpstreamFailure.ofStatus(500, -1).kind()).isEqualTo(Kind.SERVER_ERROR);
    assertThat(UpstreamFailure.ofStatus(503, -1).kind()).isEqualTo(Kind.SERVER_ERROR);
    assertThat(UpstreamFailure.ofStatus(504, -1).kind()).isEqualTo(Kind.TIMEOUT);
    assertThat(UpstreamFailure.ofStatus(408, -1).kind()).isEqualTo(Kind.TIMEOUT);
    assertThat(UpstreamFailure.ofStatus(429, 1_000).kind()).isEqualTo(Kind.RATE_LIMITED);
    assertThat(UpstreamFailure.ofStatus(401, -1).kind()).isEqualTo(Kind.AUTH_REJECTED);
    assertThat(UpstreamFailure.ofStatus(403, -1).kind()).isEqualTo(Kind.AUTH_REJECTED);
    assertThat(UpstreamFailure.ofStatus(400, -1).kind()).isEqualTo(Kind.REQUEST_REJECTED);
    assertThat(UpstreamFailure.ofStatus(404, -1).kind()).isEqualTo(Kind.REQUEST_REJECTED);
  }

  @Test
  void rotationReasonsAreTheContractsOnes() {
    assertThat(Kind.SERVER_ERROR.rotationReason()).isEqualTo("upstream_5xx");
    assertThat(Kind.INVALID_RESPONSE.rotationReason()).isEqualTo("upstream_5xx");
    assertThat(Kind.TIMEOUT.rotationReason()).isEqualTo("upstream_timeout");
    assertThat(Kind.UNREACHABLE.rotationReason()).isEqualTo("upstream_timeout");
    assertThat(Kind.RATE_LIMITED.rotationReason()).isEqualTo("upstream_429");
    assertThat(Kind.AUTH_REJECTED.rotationReason()).isEqualTo("upstream_auth");
    assertThat(Kind.CIRCUIT_OPEN.rotationReason()).isEqualTo("circuit_open");
  }

  @Test
  void onlyUnhealthyUpstreamCountsAgainstTheBreaker() {
    assertThat(UpstreamFailure.ofStatus(500, -1).countsAgainstUpstream()).isTrue();
    assertThat(UpstreamFailure.ofStatus(429, -1).countsAgainstUpstream()).isTrue();
    assertThat(UpstreamFailure.of(Kind.TIMEOUT).countsAgainstUpstream()).isTrue();
    assertThat(UpstreamFailure.ofStatus(401, -1).countsAgainstUpstream()).isFalse();
    assertThat(UpstreamFailure.ofStatus(400, -1).countsAgainstUpstream()).isFalse();
  }
}
