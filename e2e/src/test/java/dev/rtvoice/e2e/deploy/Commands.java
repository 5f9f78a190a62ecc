package dev.rtvoice.e2e.deploy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs the operators' own tools (kubectl, promtool, amtool) as CI does, with a bound on time. */
final class Commands {
  private Commands() {}

  /** What a command printed (stdout and stderr together) and how it exited. */
  record Result(int exit, String output) {
    boolean ok() {
      return exit == 0;
    }
  }

  static Result run(Path workDir, String... command) {
    String binary = command[0];
    if (!onPath(binary)) {
      throw new IllegalStateException(binary + " is missing: install the Debian packages of .ci/run (it installs them)");
    }
    try {
      Process process = new ProcessBuilder(command).directory(workDir.toFile()).redirectErrorStream(true).start();
      process.getOutputStream().close();
      // read before waiting: a full pipe would block the tool
      byte[] out = process.getInputStream().readAllBytes();
      if (!process.waitFor(60, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new IllegalStateException(String.join(" ", command) + " did not finish within 60 s");
      }
      return new Result(process.exitValue(), new String(out, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new IllegalStateException("cannot run " + binary, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  static boolean onPath(String binary) {
    List<String> dirs = new ArrayList<>(List.of(System.getenv().getOrDefault("PATH", "").split(":")));
    return dirs.stream().anyMatch(d -> !d.isEmpty() && Files.isExecutable(Path.of(d, binary)));
  }
}
