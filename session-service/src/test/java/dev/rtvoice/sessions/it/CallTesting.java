package dev.rtvoice.sessions.it;

import dev.rtvoice.common.handle.SessionHandle;
import dev.rtvoice.common.testing.Eventually;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;

/** What the tests of an upstream call's life share: call ids, clients of a user, hang-ups at the simulator. */
final class CallTesting {
  static final Duration WAIT = Duration.ofSeconds(20);

  private CallTesting() {}

  static String callId() {
    return "rtc_" + UUID.randomUUID().toString().replace("-", "");
  }

  /** A session of {@code user} (and tenant, or null), its token signed as token-service would. */
  static Harness.Client client(Harness.Service service, String user, String tenant) {
    String sid = "rts_" + UUID.randomUUID().toString().substring(0, 12);
    Instant now = Instant.now();
    String token = Harness.CODEC.sign(new SessionHandle(sid, user, "device-1", 0, now.minusSeconds(1),
        now.plusSeconds(600), now.plusSeconds(660), tenant));
    return new Harness.Client(service.base, sid, token);
  }

  /** Sends one event at the wall clock's time (the call's age and the budgets run on event time). */
  static void send(Harness.Client c, String type, Object... fields) {
    synchronized (c) {
      c.now = System.currentTimeMillis() - 10;
      c.send(type, fields);
    }
  }

  /** What the browser library does while a call plays; an ended session refuses it, which is no failure here. */
  static void heartbeat(Harness.Client c) {
    try {
      send(c, "client.heartbeat");
    } catch (RuntimeException | AssertionError e) {
      // the tests' assertions say what matters
    }
  }

  static void awaitHungUp(UpstreamSim sim, String callId) {
    Eventually.await(callId + " hung up at the simulator", () -> {
      JsonObject call = sim.call(callId);
      return call != null && "hangup".equals(call.getString("ended"));
    }, WAIT);
  }
}
