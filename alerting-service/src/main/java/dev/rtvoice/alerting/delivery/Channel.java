package dev.rtvoice.alerting.delivery;

import io.vertx.core.Future;
import java.util.List;

/** One receiver's delivery: it takes notices and sends them on its own schedule. */
public interface Channel {
  String receiver();

  void accept(List<AlertNotice> notices);

  /** Alerts already firing and notified before a restart. */
  void restore(List<AlertNotice> firing);

  /** Sends what is due or never sent, and waits (bounded) for what is in flight. */
  Future<Void> drain();

  Future<Void> close();
}
