package dev.rtvoice.sessions.kafka;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;

/** Runs the {@link StateView}'s consumer on an event loop of its own. */
public final class StateViewVerticle extends VerticleBase {
  private final StateView view;

  public StateViewVerticle(StateView view) {
    this.view = view;
  }

  @Override
  public Future<?> start() {
    return view.start();
  }

  @Override
  public Future<?> stop() {
    return view.stop();
  }
}
