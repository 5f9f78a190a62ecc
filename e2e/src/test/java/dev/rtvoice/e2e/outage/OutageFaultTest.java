package dev.rtvoice.e2e.outage;

import dev.rtvoice.e2e.harness.Suite;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The fault run by hand, with the outage the CI budget cannot hold: by default the broker is
 * SIGKILLed for two minutes while the services keep the shipped {@code KAFKA_DELIVERY_TIMEOUT}
 * (30 s), with 50 live sessions, four telemetry senders and an issuance every 2 s; then each
 * service is SIGKILLed once. Prints the report (outage length, recovery per service, lost and
 * doubled per output) and exits 1 if any check failed. Needs the packaged jars. About 6 minutes:
 *
 * <pre>
 * mvn -q -DskipTests package
 * mvn -q -pl e2e test-compile exec:java -Dexec.classpathScope=test \
 *     -Dexec.mainClass=dev.rtvoice.e2e.outage.OutageFaultTest [-Dexec.args="outageSeconds [sessions]"]
 * </pre>
 */
public final class OutageFaultTest {
  private OutageFaultTest() {}

  public static void main(String[] args) throws Exception {
    Duration outage = Duration.ofSeconds(args.length > 0 ? Long.parseLong(args[0]) : 120);
    int sessions = args.length > 1 ? Integer.parseInt(args[1]) : 50;
    Path out = Suite.root().resolve("e2e/target/outage");
    Files.createDirectories(out);
    System.setProperty("e2e.logs", out.resolve("logs").toString());
    OutageReport report = new OutageScenario(OutagePlan.full(outage, sessions)).run();
    String text = report.render();
    System.out.println(text);
    Files.writeString(out.resolve("outage-report.txt"), text);
    System.exit(report.failed().isEmpty() ? 0 : 1);
  }
}
