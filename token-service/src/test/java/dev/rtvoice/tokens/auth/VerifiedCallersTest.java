package dev.rtvoice.tokens.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rtvoice.tokens.testing.MutableClock;
import io.vertx.core.Future;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class VerifiedCallersTest {
  private static final Instant NOW = Instant.parse("2026-12-02T12:00:00Z");
  private static final Duration LEEWAY = Duration.ofSeconds(30);
  private static final Duration TTL = Duration.ofSeconds(60);

  private final MutableClock clock = new MutableClock(NOW);

  /** A verifier that knows a few tokens, refuses the rest (and anything past exp + leeway) and counts its calls. */
  private final class CountingVerifier implements JwtVerifier {
    final Map<String, Caller> valid = new HashMap<>();
    int calls;

    @Override
    public Future<Caller> verify(String jwt) {
      calls++;
      Caller caller = valid.get(jwt);
      if (caller == null) {
        return Future.failedFuture(new AuthenticationFailure("the token's signature is not valid"));
      }
      if (clock.instant().getEpochSecond() - LEEWAY.toSeconds() > caller.expiresAtEpochSecond()) {
        return Future.failedFuture(new AuthenticationFailure("the token has expired (or is not valid yet)"));
      }
      return Future.succeededFuture(caller);
    }
  }

  private final CountingVerifier verifier = new CountingVerifier();

  private Caller caller(String user, Duration expiresIn) {
    return new Caller(user, null, false, NOW.plus(expiresIn).getEpochSecond());
  }

  @Test
  void aTokenThatVerifiedIsNotVerifiedAgainWithinTheTtl() {
    Caller alice = caller("alice", Duration.ofHours(1));
    verifier.valid.put("jwt-a", alice);
    VerifiedCallers callers = new VerifiedCallers(verifier, clock, LEEWAY, TTL, 10);

    assertSame(alice, callers.verify("jwt-a").result());
    clock.advance(Duration.ofSeconds(59));
    assertSame(alice, callers.verify("jwt-a").result());
    assertEquals(1, verifier.calls);

    clock.advance(Duration.ofSeconds(1));  // the ttl is over: verified again (a withdrawn key counts from here)
    assertSame(alice, callers.verify("jwt-a").result());
    assertEquals(2, verifier.calls);
  }

  @Test
  void aTokenIsRefusedFromTheInstantItsExpiryPlusLeewayHasPassedAsWithoutTheCache() {
    verifier.valid.put("jwt-a", caller("alice", Duration.ofSeconds(10)));
    VerifiedCallers callers = new VerifiedCallers(verifier, clock, LEEWAY, TTL, 10);
    assertTrue(callers.verify("jwt-a").succeeded());

    clock.advance(Duration.ofSeconds(39));
    assertTrue(callers.verify("jwt-a").succeeded());
    assertEquals(1, verifier.calls, "still within exp + leeway: remembered");

    clock.advance(Duration.ofSeconds(2));
    Future<Caller> late = callers.verify("jwt-a");
    assertTrue(late.failed(), "past exp + leeway: the verifier's own refusal");
    assertTrue(late.cause() instanceof AuthenticationFailure);
    assertEquals(0, callers.size());
  }

  @Test
  void aRefusedTokenIsNeverRemembered() {
    VerifiedCallers callers = new VerifiedCallers(verifier, clock, LEEWAY, TTL, 10);
    for (int i = 0; i < 3; i++) {
      assertTrue(callers.verify("forged").failed());
    }
    assertEquals(3, verifier.calls);
    assertEquals(0, callers.size());
  }

  @Test
  void boundedByCountAndByTokenLength() {
    VerifiedCallers callers = new VerifiedCallers(verifier, clock, LEEWAY, TTL, 3);
    for (int i = 0; i < 10; i++) {
      verifier.valid.put("jwt-" + i, caller("user-" + i, Duration.ofHours(1)));
      assertTrue(callers.verify("jwt-" + i).succeeded());
      assertTrue(callers.size() <= 3, "never more than the bound: " + callers.size());
    }
    String huge = "h".repeat(VerifiedCallers.MAX_CACHED_TOKEN_LENGTH + 1);
    verifier.valid.put(huge, caller("hugo", Duration.ofHours(1)));
    int before = verifier.calls;
    assertTrue(callers.verify(huge).succeeded());
    assertTrue(callers.verify(huge).succeeded());
    assertEquals(before + 2, verifier.calls, "a token longer than the bound is verified every time");
  }

  @Test
  void anExpiryAtTheEndOfTimeDoesNotOverflowAndTheTtlStillEndsTheEntry() {
    verifier.valid.put("jwt-a", new Caller("alice", null, false, Long.MAX_VALUE));
    VerifiedCallers callers = new VerifiedCallers(verifier, clock, LEEWAY, TTL, 10);
    assertTrue(callers.verify("jwt-a").succeeded());
    assertTrue(callers.verify("jwt-a").succeeded());
    assertEquals(1, verifier.calls);
    clock.advance(TTL);
    assertTrue(callers.verify("jwt-a").succeeded());
    assertEquals(2, verifier.calls);
  }

  @Test
  void aZeroTtlRemembersNothing() {
    verifier.valid.put("jwt-a", caller("alice", Duration.ofHours(1)));
    VerifiedCallers callers = new VerifiedCallers(verifier, clock, LEEWAY, Duration.ZERO, 10);
    callers.verify("jwt-a");
    callers.verify("jwt-a");
    assertEquals(2, verifier.calls);
  }
}
