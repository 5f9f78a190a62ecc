package dev.rtvoice.e2e.outage;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Test;

/**
 * The fault run at CI scale, run by hand (it does not fit the CI budget): 50 live sessions with
 * interrupts, four telemetry senders and an issuance every 2 s; the broker SIGKILLed for 25 s
 * while the services' writes give up after 10 s ({@code KAFKA_DELIVERY_TIMEOUT}), restarted on its
 * data; then token-, session-, metrics- and alerting-service SIGKILLed and restarted one after the
 * other; then nothing lost and nothing doubled in any output (see {@link ExactlyOnceChecks}). The
 * two-minute outage against the shipped delivery timeout is {@link OutageFaultTest}. About 2.5
 * minutes.
 */
@Disabled("a by-hand load generator, not a CI test: 156 s on 2026-12-01 (suite start 24 s, the 25 s outage, the "
    + "broker's restart 13 s, four service restarts 42 s), over the ~120 s a CI test may take; all 23 checks "
    + "passed (lost 0, doubled 0). Run it with -Djunit.jupiter.conditions.deactivate=org.junit.*DisabledCondition")
class OutageIT {

  @Test
  void throughABrokerOutageAndACrashOfEachServiceEveryOutputHasEveryAnsweredItemOnce() throws Exception {
    OutageReport report = new OutageScenario(OutagePlan.ci()).run();
    System.out.println(report.render());
    assertThat(report.failed()).as(report.render()).isEmpty();
    assertThat(report.lost()).isZero();
    assertThat(report.doubled()).isZero();
  }
}
