package dev.rtvoice.tokens.domain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

class TenantClaimTest {
  private final TenantClaim claim = new TenantClaim("tenant");

  @Test
  void aPlainTenantIdIsTaken() {
    assertThat(claim.read("acme")).isEqualTo(new TenantClaim.Reading("acme", false));
    assertThat(claim.read("eu-west:acme_2.prod")).isEqualTo(new TenantClaim.Reading("eu-west:acme_2.prod", false));
    assertThat(claim.read("x".repeat(64)).tenantId()).hasSize(64);
  }

  @Test
  void noClaimIsNoTenantAndNothingToCount() {
    assertThat(claim.read(null)).isEqualTo(new TenantClaim.Reading(null, false));
  }

  @Test
  void anythingElseIsIgnoredAndCounted() {
    for (Object hostile : new Object[] {"", " ", "x".repeat(65), "acme corp", "a/b", "t\u00e9nant", "a\nb", "<script>",
        42, 4.2, true, new JsonObject().put("id", "acme"), new JsonArray().add("acme")}) {
      assertThat(claim.read(hostile)).as("%s", hostile).isEqualTo(new TenantClaim.Reading(null, true));
    }
  }

  @Test
  void claimNamesArePrintableWithoutSpaces() {
    assertThat(new TenantClaim("https://rtvoice.dev/tenant").name()).isEqualTo("https://rtvoice.dev/tenant");
    for (String bad : new String[] {null, "", "my tenant", "x".repeat(257), "t\u00e9nant"}) {
      assertThatThrownBy(() -> new TenantClaim(bad)).isInstanceOf(IllegalArgumentException.class);
    }
  }
}
