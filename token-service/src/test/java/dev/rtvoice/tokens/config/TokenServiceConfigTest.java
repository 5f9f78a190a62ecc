package dev.rtvoice.tokens.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rtvoice.common.config.ConfigException;
import dev.rtvoice.common.config.Env;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TokenServiceConfigTest {
  private static final String HANDLE_KEY = "k".repeat(40);
  private static final String HMAC = "h".repeat(40);

  private static Env env(String... pairs) {
    Map<String, String> values = new HashMap<>();
    values.put("OPENAI_API_KEY", "sk-config-test-secret-value");
    for (int i = 0; i < pairs.length; i += 2) {
      values.put(pairs[i], pairs[i + 1]);
    }
    return new Env(values);
  }

  @Test
  void outsideDevModeItRefusesToStartWithoutAnIdentityProviderAndNamesTheVariables() {
    assertThatThrownBy(() -> TokenServiceConfig.fromEnv(env("SESSION_HANDLE_KEY", HANDLE_KEY)))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("AUTH_JWT_HMAC_SECRET").hasMessageContaining("AUTH_JWKS_URL")
        .hasMessageContaining("AUTH_JWT_ISSUER").hasMessageContaining("AUTH_JWT_AUDIENCE")
        .hasMessageContaining("DEV_MODE");
    assertThatThrownBy(() -> TokenServiceConfig.fromEnv(env("SESSION_HANDLE_KEY", HANDLE_KEY,
        "AUTH_JWT_HMAC_SECRET", HMAC))).hasMessageContaining("AUTH_JWT_ISSUER and AUTH_JWT_AUDIENCE are required");
    assertThatThrownBy(() -> TokenServiceConfig.fromEnv(env("SESSION_HANDLE_KEY", HANDLE_KEY,
        "AUTH_JWT_HMAC_SECRET", "short", "AUTH_JWT_ISSUER", "i", "AUTH_JWT_AUDIENCE", "a")))
        .hasMessageContaining("at least 32 bytes");
    assertThatThrownBy(() -> TokenServiceConfig.fromEnv(env("AUTH_JWT_HMAC_SECRET", HMAC, "AUTH_JWT_ISSUER", "i",
        "AUTH_JWT_AUDIENCE", "a"))).hasMessageContaining("SESSION_HANDLE_KEY");
  }

  @Test
  void aConfiguredIdentityProviderIsUsedAndDevModeFallsBackToTheDevProvider() {
    TokenServiceConfig hmac = TokenServiceConfig.fromEnv(env("SESSION_HANDLE_KEY", HANDLE_KEY,
        "AUTH_JWT_HMAC_SECRET", HMAC, "AUTH_JWT_ISSUER", "https://id.example", "AUTH_JWT_AUDIENCE", "app"));
    assertThat(hmac.auth().mode()).isEqualTo(AuthSettings.Mode.HMAC);
    assertThat(hmac.auth().issuer()).isEqualTo("https://id.example");
    assertThat(hmac.corsOrigins()).isEmpty();

    TokenServiceConfig dev = TokenServiceConfig.fromEnv(env("DEV_MODE", "true"));
    assertThat(dev.auth().mode()).isEqualTo(AuthSettings.Mode.DEV);
    assertThat(dev.auth().issuer()).isEqualTo("rtvoice-dev");
    assertThat(dev.auth().audience()).isEqualTo("rtvoice-local");
    assertThat(dev.corsOrigins()).containsExactly("http://localhost:*", "http://127.0.0.1:*");
  }

  @Test
  void defaultsAreTheDocumentedOnes() {
    TokenServiceConfig c = TokenServiceConfig.fromEnv(env("DEV_MODE", "true"));
    assertThat(c.port()).isEqualTo(8081);
    assertThat(c.upstream().baseUrl().toString()).isEqualTo("https://api.openai.com");
    assertThat(c.upstream().clientSecretsUrl()).isEqualTo("https://api.openai.com/v1/realtime/client_secrets");
    assertThat(c.upstream().connectTimeout()).isEqualTo(Duration.ofSeconds(2));
    assertThat(c.upstream().requestTimeout()).isEqualTo(Duration.ofSeconds(5));
    assertThat(c.upstream().totalTimeout()).isEqualTo(Duration.ofSeconds(10));
    assertThat(c.upstream().maxAttempts()).isEqualTo(4);
    assertThat(c.upstream().breakerFailures()).isEqualTo(5);
    assertThat(c.upstream().breakerReset()).isEqualTo(Duration.ofSeconds(15));
    assertThat(c.rotationLead()).isEqualTo(Duration.ofSeconds(30));
    assertThat(c.handleGrace()).isEqualTo(Duration.ofSeconds(60));
    assertThat(c.policy().clampTtl(null)).isEqualTo(300);
    assertThat(c.policy().minTtl()).isEqualTo(60);
    assertThat(c.policy().maxTtl()).isEqualTo(300);
    assertThat(c.policy().defaultModel()).isEqualTo("gpt-realtime");
    assertThat(c.policy().defaultVoice()).isEqualTo("marin");
    assertThat(c.userLimit().perMinute()).isEqualTo(30);
    assertThat(c.deviceLimit().burst()).isEqualTo(5);
    assertThat(c.instructions()).isNull();
    assertThat(c.tools()).isEmpty();
  }

  @Test
  void theApiKeyIsRequiredAndNeverShownByTheConfig(@TempDir Path dir) throws Exception {
    assertThatThrownBy(() -> TokenServiceConfig.fromEnv(new Env(Map.of("DEV_MODE", "true"))))
        .hasMessageContaining("OPENAI_API_KEY");
    Path keyFile = dir.resolve("key");
    Files.writeString(keyFile, "sk-from-a-file-0123456789\n");
    TokenServiceConfig c = TokenServiceConfig.fromEnv(new Env(Map.of("DEV_MODE", "true", "OPENAI_API_KEY_FILE",
        keyFile.toString())));
    assertThat(c.upstream().apiKey().reveal()).isEqualTo("sk-from-a-file-0123456789");
    assertThat(c.toString()).doesNotContain("sk-from-a-file").doesNotContain(DevIdentity.HMAC_SECRET);
  }

  @Test
  void badValuesStopTheStartNamingTheVariable(@TempDir Path dir) throws Exception {
    assertThatThrownBy(() -> TokenServiceConfig.fromEnv(env("DEV_MODE", "true", "UPSTREAM_BASE_URL", "ftp://x")))
        .hasMessageContaining("UPSTREAM_BASE_URL");
    assertThatThrownBy(() -> TokenServiceConfig.fromEnv(env("DEV_MODE", "true", "REALTIME_DEFAULT_VOICE", "darth")))
        .hasMessageContaining("REALTIME_DEFAULT_VOICE");
    assertThatThrownBy(() -> TokenServiceConfig.fromEnv(env("DEV_MODE", "true", "TOKEN_TTL_MIN", "400")))
        .hasMessageContaining("TOKEN_TTL_MIN");
    assertThatThrownBy(() -> TokenServiceConfig.fromEnv(env("DEV_MODE", "true", "ROTATION_LEAD", "90s")))
        .hasMessageContaining("ROTATION_LEAD");
    assertThatThrownBy(() -> TokenServiceConfig.fromEnv(env("DEV_MODE", "true", "UPSTREAM_TOTAL_TIMEOUT", "1s")))
        .hasMessageContaining("UPSTREAM_TOTAL_TIMEOUT");
    assertThatThrownBy(() -> TokenServiceConfig.fromEnv(env("DEV_MODE", "true", "CORS_ALLOWED_ORIGINS",
        "app.example.com"))).hasMessageContaining("CORS_ALLOWED_ORIGINS");
    assertThatThrownBy(() -> TokenServiceConfig.fromEnv(env("DEV_MODE", "true", "REALTIME_VOICES", "a b")))
        .hasMessageContaining("REALTIME_VOICES");
    Path tools = dir.resolve("tools.json");
    Files.writeString(tools, "{\"not\":\"an array\"}");
    assertThatThrownBy(() -> TokenServiceConfig.fromEnv(env("DEV_MODE", "true", "REALTIME_TOOLS_FILE",
        tools.toString()))).hasMessageContaining("REALTIME_TOOLS_FILE");
    Files.writeString(tools, "[{\"type\":\"function\",\"name\":\"lookup\"}]");
    assertThat(TokenServiceConfig.fromEnv(env("DEV_MODE", "true", "REALTIME_TOOLS_FILE", tools.toString())).tools())
        .hasSize(1);
  }

  @Test
  void theTenantClaimIsNamedTenantUnlessToldOtherwise() {
    assertThat(TokenServiceConfig.fromEnv(env("DEV_MODE", "true")).auth().tenantClaim().name()).isEqualTo("tenant");
    assertThat(TokenServiceConfig.fromEnv(env("DEV_MODE", "true", "TENANT_CLAIM", "https://example.com/org"))
        .auth().tenantClaim().name()).isEqualTo("https://example.com/org");
    assertThatThrownBy(() -> TokenServiceConfig.fromEnv(env("DEV_MODE", "true", "TENANT_CLAIM", "my tenant")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("TENANT_CLAIM");
  }
}
