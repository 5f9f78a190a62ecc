package dev.rtvoice.e2e.harness;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Process control of a docker-compose suite: the same crash (SIGKILL) and restart, and the
 * containers' logs for the secret sweep. The compose command comes from {@code E2E_COMPOSE}.
 */
final class ComposeControl implements Suite.Control {
  private final List<String> compose;
  private final Path root;

  ComposeControl(String composeCommand, Path root) {
    this.compose = List.of(composeCommand.trim().split("\\s+"));
    this.root = root;
  }

  @Override
  public void kill(String service) {
    run("kill", "-s", "SIGKILL", service);
  }

  @Override
  public void start(String service) {
    run("start", service);
  }

  @Override
  public List<String> logs() {
    return List.of(run("logs", "--no-color").split("\n"));
  }

  @Override
  public void close() {
    // the suite belongs to whoever started it
  }

  private String run(String... args) {
    List<String> command = new ArrayList<>(compose);
    command.addAll(List.of(args));
    try {
      Process p = new ProcessBuilder(command).directory(root.toFile()).redirectErrorStream(true).start();
      p.getOutputStream().close();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
        throw new IllegalStateException(String.join(" ", command) + " failed: " + out);
      }
      return out;
    } catch (IOException e) {
      throw new IllegalStateException("cannot run " + String.join(" ", command) + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
