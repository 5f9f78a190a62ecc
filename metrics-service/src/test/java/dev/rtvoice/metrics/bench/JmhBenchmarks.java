package dev.rtvoice.metrics.bench;

import java.io.File;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.CommandLineOptions;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Runs the JMH benchmarks of this module from Maven (exec:java), with short settings that fit a
 * 2-core machine shared with others (1 fork, 3 x 2 s warm-up, 5 x 2 s measured). Forks need the test
 * classpath, which exec:java keeps in its class loader rather than in {@code java.class.path}.
 *
 * <pre>
 * mvn -o -q -pl metrics-service test-compile exec:java -Dexec.classpathScope=test \
 *   -Dexec.mainClass=dev.rtvoice.metrics.bench.JmhBenchmarks
 * </pre>
 * Arguments, when given, are JMH's own command line (e.g. {@code -Dexec.args="Recording -f 2"}).
 */
public final class JmhBenchmarks {
  private JmhBenchmarks() {}

  public static void main(String[] args) throws Exception {
    StringBuilder classpath = new StringBuilder();
    for (ClassLoader loader = Thread.currentThread().getContextClassLoader(); loader != null;
         loader = loader.getParent()) {
      if (loader instanceof URLClassLoader urls) {
        for (URL url : urls.getURLs()) {
          try {
            classpath.append(Path.of(url.toURI())).append(File.pathSeparator);
          } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
          }
        }
      }
    }
    classpath.append(System.getProperty("java.class.path"));
    System.setProperty("java.class.path", classpath.toString());

    OptionsBuilder options = new OptionsBuilder();
    if (args.length > 0) {
      options.parent(new CommandLineOptions(args));
    } else {
      options.include(JmhBenchmarks.class.getPackageName() + ".(Recording|ViewMerge)Benchmark")
          .forks(1).warmupIterations(3).warmupTime(TimeValue.seconds(2))
          .measurementIterations(5).measurementTime(TimeValue.seconds(2));
    }
    new Runner(options.build()).run();
    System.exit(0);
  }
}
