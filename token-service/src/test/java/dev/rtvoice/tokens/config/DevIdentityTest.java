package dev.rtvoice.tokens.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import org.junit.jupiter.api.Test;

class DevIdentityTest {
  @Test
  void mintsAnHs256TokenOfTheDevIssuerForTheDevAudience() {
    Clock clock = Clock.fixed(Instant.parse("2026-01-31T12:00:00Z"), ZoneOffset.UTC);
    String token = DevIdentity.mintUserToken("dev-user", Duration.ofHours(8), clock);
    String[] parts = token.split("\\.");
    assertThat(parts).hasSize(3);
    JsonObject header = new JsonObject(new String(Base64.getUrlDecoder().decode(parts[0]), StandardCharsets.UTF_8));
    JsonObject claims = new JsonObject(new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8));
    assertThat(header.getString("alg")).isEqualTo("HS256");
    assertThat(claims.getString("iss")).isEqualTo("rtvoice-dev");
    assertThat(claims.getString("aud")).isEqualTo("rtvoice-local");
    assertThat(claims.getString("sub")).isEqualTo("dev-user");
    assertThat(claims.getLong("exp") - claims.getLong("iat")).isEqualTo(8 * 3600);
    assertThat(token).isEqualTo(DevIdentity.mintUserToken("dev-user", Duration.ofHours(8), clock));
  }
}
