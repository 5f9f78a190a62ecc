package dev.rtvoice.common.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rtvoice.common.config.ConfigException;
import dev.rtvoice.common.config.Env;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CorsPolicyTest {
  @Test
  void exactOriginsMatchWholeAndCaseInsensitively() {
    CorsPolicy policy = CorsPolicy.of(List.of("https://app.example.com"));
    assertThat(policy.allows("https://app.example.com")).isTrue();
    assertThat(policy.allows("HTTPS://APP.EXAMPLE.COM")).isTrue();
    assertThat(policy.allows("https://app.example.com:443")).isFalse();
    assertThat(policy.allows("http://app.example.com")).isFalse();
    assertThat(policy.allows("https://app.example.com.evil.com")).isFalse();
    assertThat(policy.allows("https://app.example.co")).isFalse();
    assertThat(policy.allows(null)).isFalse();
  }

  @Test
  void anyPortMeansADecimalPortOrNone() {
    CorsPolicy policy = CorsPolicy.of(List.of("http://localhost:*"));
    assertThat(policy.allows("http://localhost:5173")).isTrue();
    assertThat(policy.allows("http://localhost")).isTrue();
    assertThat(policy.allows("http://localhost:65536")).isFalse();
    assertThat(policy.allows("http://localhost:80x")).isFalse();
    assertThat(policy.allows("http://localhost:.evil.com")).isFalse();
    assertThat(policy.allows("http://localhost.evil.com:80")).isFalse();
  }

  @Test
  void starAllowsAnyOriginButNotAnAbsurdlyLongOne() {
    CorsPolicy policy = CorsPolicy.of(List.of("*"));
    assertThat(policy.allowsAny()).isTrue();
    assertThat(policy.allows("null")).isTrue();
    assertThat(policy.allows("https://" + "a".repeat(400) + ".com")).isFalse();
  }

  @Test
  void anEmptyListAllowsNoOrigin() {
    CorsPolicy policy = CorsPolicy.of(List.of());
    assertThat(policy.allows("http://localhost:8080")).isFalse();
    assertThat(policy.allows("null")).isFalse();
  }

  @Test
  void entriesThatAreNotOriginsStopTheStartNamingTheVariable() {
    for (String bad : List.of("app.example.com", "https://app.example.com/", "https://app.example.com/path",
        "ftp://x", "https://*.example.com", "https://user@host", "http://localhost:70000", " ")) {
      assertThatThrownBy(() -> CorsPolicy.of(List.of(bad))).as(bad)
          .isInstanceOf(ConfigException.class).hasMessageContaining("CORS_ALLOWED_ORIGINS");
    }
  }

  @Test
  void theDefaultIsNoOriginAndLocalPagesInDevMode() {
    assertThat(CorsPolicy.fromEnv(new Env(Map.of())).entries()).isEmpty();
    assertThat(CorsPolicy.fromEnv(new Env(Map.of("DEV_MODE", "true"))).allows("http://127.0.0.1:3000")).isTrue();
    assertThat(CorsPolicy.fromEnv(new Env(Map.of("DEV_MODE", "true", "CORS_ALLOWED_ORIGINS", "https://a.example")))
        .allows("http://127.0.0.1:3000")).isFalse();
  }
}
