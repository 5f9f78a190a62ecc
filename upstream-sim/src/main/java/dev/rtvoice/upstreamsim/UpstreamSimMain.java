package dev.rtvoice.upstreamsim;

import dev.rtvoice.common.config.Env;
import dev.rtvoice.common.runtime.ServiceMain;
import dev.rtvoice.upstreamsim.config.SimConfig;
import org.slf4j.LoggerFactory;

/** {@code java -jar upstream-sim.jar}: the simulator on {@code SIM_PORT} (default 8090). */
public final class UpstreamSimMain {
  private UpstreamSimMain() {}

  public static void main(String[] args) {
    ServiceMain.run("upstream-sim", runtime -> {
      SimConfig config = SimConfig.fromEnv(Env.system());
      UpstreamSimVerticle sim = new UpstreamSimVerticle(config, runtime.registry());
      return runtime.vertx().deployVerticle(sim).onSuccess(id ->
          LoggerFactory.getLogger(UpstreamSimMain.class).info("upstream-sim listening on http://{}:{}",
              config.host(), sim.port()));
    });
  }
}
