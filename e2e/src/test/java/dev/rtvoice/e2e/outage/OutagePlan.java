package dev.rtvoice.e2e.outage;

import java.time.Duration;

/**
 * The shape of a fault run.
 *
 * @param sessions live voice sessions, each sending a step a second
 * @param telemetrySenders frontends posting latency samples
 * @param issueEvery how often the app asks token-service for a new session
 * @param interruptEvery every how many turns the user barges in
 * @param warmup traffic before the broker is killed
 * @param outage how long the broker stays dead
 * @param deliveryTimeout the services' {@code KAFKA_DELIVERY_TIMEOUT}, or null for the shipped default (30 s)
 * @param between traffic between the broker's return and each service's SIGKILL
 * @param tail traffic after the last restart
 */
record OutagePlan(int sessions, int telemetrySenders, Duration issueEvery, int interruptEvery, Duration warmup,
                  Duration outage, Duration deliveryTimeout, Duration between, Duration tail) {

  static final Duration SHIPPED_DELIVERY_TIMEOUT = Duration.ofSeconds(30);

  /** The CI run: a 25 s outage, with writes failing after 10 s (so well inside it). */
  static OutagePlan ci() {
    return new OutagePlan(50, 4, Duration.ofSeconds(2), 3, Duration.ofSeconds(8), Duration.ofSeconds(25),
        Duration.ofSeconds(10), Duration.ofSeconds(3), Duration.ofSeconds(4));
  }

  /** The full run: a two-minute outage against the shipped delivery timeout (30 s). */
  static OutagePlan full(Duration outage, int sessions) {
    return new OutagePlan(sessions, 4, Duration.ofSeconds(2), 3, Duration.ofSeconds(20), outage, null,
        Duration.ofSeconds(10), Duration.ofSeconds(15));
  }

  Duration effectiveDeliveryTimeout() {
    return deliveryTimeout == null ? SHIPPED_DELIVERY_TIMEOUT : deliveryTimeout;
  }

  String describe() {
    return sessions + " sessions (a step a second, every " + interruptEvery + ". turn interrupted), "
        + telemetrySenders + " telemetry senders, an issuance every " + issueEvery.toMillis() / 1000 + " s; broker "
        + "SIGKILLed for " + outage.toSeconds() + " s with KAFKA_DELIVERY_TIMEOUT " + effectiveDeliveryTimeout().toSeconds()
        + " s" + (deliveryTimeout == null ? " (shipped default)" : "") + ", then each service SIGKILLed once";
  }
}
