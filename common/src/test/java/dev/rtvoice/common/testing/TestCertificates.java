package dev.rtvoice.common.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A throw-away certificate authority made with the JDK's keytool (no extra dependency): a CA, a
 * truststore holding it, and PKCS12 keystores of certificates it signs, for the broker (valid for
 * 127.0.0.1 and localhost, so host name checking stays on) and for mutual-TLS clients. Valid two days.
 */
public final class TestCertificates {
  private final Path dir;
  private final String password;
  private final Path caStore;
  private final Path caPem;
  private final Path truststore;

  private TestCertificates(Path dir, String password) {
    this.dir = dir;
    this.password = password;
    this.caStore = dir.resolve("ca.p12");
    this.caPem = dir.resolve("ca.pem");
    this.truststore = dir.resolve("truststore.p12");
  }

  /** A new CA in {@code dir}, with a random store password. */
  public static TestCertificates createCa(Path dir) {
    byte[] random = new byte[12];
    new SecureRandom().nextBytes(random);
    TestCertificates ca = new TestCertificates(dir, HexFormat.of().formatHex(random));
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    ca.keytool("-genkeypair", "-keystore", ca.caStore.toString(), "-storetype", "PKCS12", "-alias", "ca",
        "-dname", "CN=rtvoice-test-ca", "-keyalg", "EC", "-groupname", "secp256r1", "-ext", "bc:c", "-validity", "2");
    ca.keytool("-exportcert", "-rfc", "-keystore", ca.caStore.toString(), "-alias", "ca", "-file", ca.caPem.toString());
    ca.keytool("-importcert", "-noprompt", "-keystore", ca.truststore.toString(), "-storetype", "PKCS12", "-alias",
        "ca", "-file", ca.caPem.toString());
    return ca;
  }

  /** The password of every store made here. */
  public String password() {
    return password;
  }

  /** A PKCS12 truststore holding the CA. */
  public Path truststore() {
    return truststore;
  }

  /** The CA certificate, PEM. */
  public Path caPem() {
    return caPem;
  }

  /** A PKCS12 keystore with a key and a certificate for {@code CN=<commonName>} signed by the CA. */
  public Path keystore(String commonName) {
    Path store = dir.resolve(commonName + ".p12");
    Path request = dir.resolve(commonName + ".csr");
    Path signed = dir.resolve(commonName + ".pem");
    keytool("-genkeypair", "-keystore", store.toString(), "-storetype", "PKCS12", "-alias", "key", "-dname",
        "CN=" + commonName + ",O=rtvoice-test", "-keyalg", "EC", "-groupname", "secp256r1", "-validity", "2");
    keytool("-certreq", "-keystore", store.toString(), "-alias", "key", "-file", request.toString());
    keytool("-gencert", "-keystore", caStore.toString(), "-alias", "ca", "-infile", request.toString(), "-outfile",
        signed.toString(), "-rfc", "-validity", "2", "-ext", "san=ip:127.0.0.1,dns:localhost");
    keytool("-importcert", "-noprompt", "-keystore", store.toString(), "-alias", "ca", "-file", caPem.toString());
    keytool("-importcert", "-keystore", store.toString(), "-alias", "key", "-file", signed.toString());
    return store;
  }

  private void keytool(String... args) {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
    command.addAll(List.of(args));
    command.addAll(List.of("-storepass", password));
    if (List.of(args).contains("-genkeypair")) {
      command.addAll(List.of("-keypass", password));
    }
    try {
      Path out = Files.createTempFile(dir, "keytool", ".out");
      Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.toFile()).start();
      if (!p.waitFor(60, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IllegalStateException("keytool " + args[0] + " did not finish within 60 s");
      }
      if (p.exitValue() != 0) {
        throw new IllegalStateException("keytool " + args[0] + " failed: " + Files.readString(out));
      }
      Files.delete(out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }
}
