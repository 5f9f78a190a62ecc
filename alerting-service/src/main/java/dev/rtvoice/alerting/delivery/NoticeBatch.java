package dev.rtvoice.alerting.delivery;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.MessageCodec;
import java.util.List;

/**
 * What the evaluation verticle hands to delivery over the event bus: the notices of one evaluation, in order, or
 * ({@code restored}) the alerts that were already firing, and notified, before a restart.
 */
public record NoticeBatch(boolean restored, List<AlertNotice> notices) {
  public static final String ADDRESS = "alerting.notices";

  public NoticeBatch {
    notices = List.copyOf(notices);
  }

  /** Local delivery only: the batch is immutable, so it is passed as is. */
  public static final class LocalCodec implements MessageCodec<NoticeBatch, NoticeBatch> {
    @Override
    public void encodeToWire(Buffer buffer, NoticeBatch batch) {
      throw new UnsupportedOperationException("notice batches stay inside one service");
    }

    @Override
    public NoticeBatch decodeFromWire(int pos, Buffer buffer) {
      throw new UnsupportedOperationException("notice batches stay inside one service");
    }

    @Override
    public NoticeBatch transform(NoticeBatch batch) {
      return batch;
    }

    @Override
    public String name() {
      return "alerting-notice-batch";
    }

    @Override
    public byte systemCodecID() {
      return -1;
    }
  }
}
