package dev.rtvoice.broker;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The child-process broker: it starts, keeps its data, and never outlives its parent. */
class ChildBrokerLifecycleIT {

  @Test
  void brokerIsGoneAfterItsParentIsKilledWithSigkill() throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> command = List.of(java, "-cp", System.getProperty("java.class.path"),
        "-Dkafka.broker.lib=" + System.getProperty("kafka.broker.lib", ""), BrokerParentMain.class.getName());
    Process parent = new ProcessBuilder(command).redirectErrorStream(true).start();
    long brokerPid;
    try {
      brokerPid = readBrokerPid(parent);
      assertThat(ProcessHandle.of(brokerPid)).isPresent();
    } catch (Throwable t) {
      parent.destroyForcibly();
      throw t;
    }

    parent.destroyForcibly(); // SIGKILL: no shutdown hook runs in the parent
    assertThat(parent.waitFor(10, TimeUnit.SECONDS)).isTrue();

    // the watchdog sees its stdin pipe close and exits the broker; absent means already gone
    ProcessHandle.of(brokerPid).ifPresent(broker -> {
      try {
        broker.onExit().get(30, TimeUnit.SECONDS);
      } catch (Exception e) {
        throw new AssertionError("broker process " + brokerPid + " still alive 30 s after its parent's SIGKILL", e);
      }
    });
    assertThat(ProcessHandle.of(brokerPid).filter(ProcessHandle::isAlive)).isEmpty();
  }

  @Test
  void keptDataSurvivesARestartOnTheSamePorts(@TempDir Path dir) throws Exception {
    String bootstrap;
    try (ChildProcessKafkaBroker broker = ChildProcessKafkaBroker.start(BrokerOptions.persistent(dir, 0, 0))) {
      bootstrap = broker.bootstrapServers();
      try (Admin admin = admin(bootstrap)) {
        admin.createTopics(List.of(new NewTopic("kept", 1, (short) 1))).all().get(20, TimeUnit.SECONDS);
      }
    }
    assertThat(Files.exists(dir.resolve("data").resolve("meta.properties"))).isTrue();

    try (ChildProcessKafkaBroker again = ChildProcessKafkaBroker.start(BrokerOptions.persistent(dir, 0, 0))) {
      assertThat(again.bootstrapServers()).isEqualTo(bootstrap);
      try (Admin admin = admin(again.bootstrapServers())) {
        assertThat(admin.listTopics().names().get(20, TimeUnit.SECONDS)).contains("kept");
      }
    }
  }

  private static Admin admin(String bootstrap) {
    Properties props = new Properties();
    props.put("bootstrap.servers", bootstrap);
    return Admin.create(props);
  }

  private static long readBrokerPid(Process parent) throws Exception {
    Pattern line = Pattern.compile("BROKER_PID=(\\d+) BOOTSTRAP=(\\S+)");
    BufferedReader reader = new BufferedReader(new InputStreamReader(parent.getInputStream(), StandardCharsets.UTF_8));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
    String text;
    StringBuilder seen = new StringBuilder();
    while (System.nanoTime() < deadline && (text = reader.readLine()) != null) {
      seen.append(text).append('\n');
      Matcher m = line.matcher(text);
      if (m.find()) {
        // keep draining the parent's output so that it never blocks on a full pipe
        Thread drain = new Thread(() -> {
          try {
            while (reader.readLine() != null) {
              // discard
            }
          } catch (Exception ignored) {
            // parent gone
          }
        });
        drain.setDaemon(true);
        drain.start();
        return Long.parseLong(m.group(1));
      }
    }
    throw new AssertionError("the parent JVM never reported its broker:\n" + seen);
  }
}
