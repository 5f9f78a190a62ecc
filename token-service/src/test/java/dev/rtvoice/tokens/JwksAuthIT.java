package dev.rtvoice.tokens;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rtvoice.common.testing.Eventually;
import dev.rtvoice.common.testing.Http;
import dev.rtvoice.common.testing.KafkaBrokerExtension;
import dev.rtvoice.common.testing.TestKafka;
import dev.rtvoice.tokens.config.DevIdentity;
import dev.rtvoice.tokens.testing.TokenServiceHarness;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.security.interfaces.RSAPublicKey;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Outside dev mode, with an identity provider that publishes RS256 keys as a JWKS (served here by a
 * real HTTP server): its tokens are accepted, a key it rotates in is picked up, the development
 * identity provider is not trusted.
 */
@ExtendWith(KafkaBrokerExtension.class)
class JwksAuthIT {
  private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();
  private static final String ISSUER = "https://idp.example";
  private static final String AUDIENCE = "voice-app";

  private static JsonObject jwk(String kid, KeyPair pair) {
    RSAPublicKey key = (RSAPublicKey) pair.getPublic();
    return new JsonObject().put("kty", "RSA").put("kid", kid).put("alg", "RS256").put("use", "sig")
        .put("n", B64.encodeToString(unsigned(key.getModulus()))).put("e", B64.encodeToString(unsigned(
            key.getPublicExponent())));
  }

  private static byte[] unsigned(BigInteger value) {
    byte[] bytes = value.toByteArray();
    return bytes[0] == 0 ? Arrays.copyOfRange(bytes, 1, bytes.length) : bytes;
  }

  private static String rs256(String kid, KeyPair pair, JsonObject claims) throws Exception {
    String header = B64.encodeToString(new JsonObject().put("alg", "RS256").put("typ", "JWT").put("kid", kid).encode()
        .getBytes(StandardCharsets.UTF_8));
    String body = header + "." + B64.encodeToString(claims.encode().getBytes(StandardCharsets.UTF_8));
    Signature signer = Signature.getInstance("SHA256withRSA");
    signer.initSign(pair.getPrivate());
    signer.update(body.getBytes(StandardCharsets.US_ASCII));
    return body + "." + B64.encodeToString(signer.sign());
  }

  private static JsonObject claims(String sub, String audience) {
    long now = Instant.now().getEpochSecond();
    return new JsonObject().put("iss", ISSUER).put("aud", audience).put("sub", sub).put("iat", now)
        .put("exp", now + 300);
  }

  @Test
  void tokensOfTheConfiguredProviderAreAcceptedAndItsKeyRotationIsFollowed(TestKafka kafka) throws Exception {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
    generator.initialize(2048);
    KeyPair k1 = generator.generateKeyPair();
    KeyPair k2 = generator.generateKeyPair();
    JsonArray published = new JsonArray().add(jwk("k1", k1));
    Vertx vertx = Vertx.vertx();
    try {
      HttpServer idp = vertx.createHttpServer().requestHandler(req -> req.response()
          .putHeader("content-type", "application/json")
          .end(new JsonObject().put("keys", published.copy()).encode())).listen(0, "127.0.0.1")
          .await(10, TimeUnit.SECONDS);
      try (TokenServiceHarness h = TokenServiceHarness.start(kafka, Map.of(
          "DEV_MODE", "false",
          "SESSION_HANDLE_KEY", "a-test-session-handle-key-of-at-least-32-bytes",
          "AUTH_JWKS_URL", "http://127.0.0.1:" + idp.actualPort() + "/.well-known/jwks.json",
          "AUTH_JWT_ISSUER", ISSUER,
          "AUTH_JWT_AUDIENCE", AUDIENCE,
          "AUTH_JWKS_REFRESH", "1s"))) {
        assertThat(Http.get(h.base + "/health/ready").json().getJsonObject("checks").getString("identity_keys"))
            .isEqualTo("UP");
        Eventually.await("the provider reported as answering", () -> "UP".equals(Http.get(h.base + "/health/ready")
            .json().getJsonObject("dependencies").getString("identity_provider")), Duration.ofSeconds(15));
        Http.Response ok = h.post("/v1/sessions", "{}", "Authorization", "Bearer " + rs256("k1", k1,
            claims("victor", AUDIENCE)), "X-Device-ID", "d");
        assertThat(ok.status()).as(ok.body()).isEqualTo(201);

        String withNewKey = rs256("k2", k2, claims("victor", AUDIENCE));
        assertThat(h.post("/v1/sessions", "{}", "Authorization", "Bearer " + withNewKey, "X-Device-ID", "d").status())
            .isEqualTo(401);
        published.add(jwk("k2", k2));
        Eventually.await("the rotated-in key is accepted", () -> h.post("/v1/sessions", "{}", "Authorization",
            "Bearer " + withNewKey, "X-Device-ID", "d").status() == 201, Duration.ofSeconds(10));

        Http.Response otherAudience = h.post("/v1/sessions", "{}", "Authorization", "Bearer " + rs256("k1", k1,
            claims("victor", "another-app")), "X-Device-ID", "d");
        assertThat(otherAudience.status()).isEqualTo(401);
        assertThat(otherAudience.error().getString("message")).contains("audience");
        // a key id the provider never published, signed with a key it does not own
        assertThat(h.post("/v1/sessions", "{}", "Authorization", "Bearer " + rs256("k1", k2, claims("victor",
            AUDIENCE)), "X-Device-ID", "d").status()).isEqualTo(401);
        Http.Response dev = h.post("/v1/sessions", "{}", "Authorization", "Bearer "
            + DevIdentity.mintUserToken("victor", Duration.ofMinutes(5)), "X-Device-ID", "d");
        assertThat(dev.status()).isEqualTo(401);
      }
    } finally {
      vertx.close().await(10, TimeUnit.SECONDS);
    }
  }
}
