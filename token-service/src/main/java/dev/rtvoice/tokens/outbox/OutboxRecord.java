package dev.rtvoice.tokens.outbox;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32C;

/**
 * One event waiting in the outbox, and its bytes on disk:
 * {@code [int length][int crc32c][short topicLength][topic][short keyLength][key][value]}, where
 * length and checksum cover everything after them. A record torn by a kill in the middle of its
 * write fails its length or checksum and ends the log there (its answer was never sent).
 *
 * @param key the Kafka key (the session id), or null
 */
public record OutboxRecord(String topic, String key, byte[] value) {
  static final int HEADER_BYTES = 8;
  /** Larger than any token event; a length above it is a torn or foreign record. */
  static final int MAX_BODY_BYTES = 1 << 20;

  public OutboxRecord {
    if (topic == null || topic.isEmpty() || value == null) {
      throw new IllegalArgumentException("an outbox record needs a topic and a value");
    }
  }

  /** Bytes this record takes on disk. */
  public int sizeOnDisk() {
    return HEADER_BYTES + bodySize();
  }

  private int bodySize() {
    return 2 + utf8(topic).length + 2 + (key == null ? 0 : utf8(key).length) + value.length;
  }

  ByteBuffer encode() {
    byte[] t = utf8(topic);
    byte[] k = key == null ? new byte[0] : utf8(key);
    int body = 2 + t.length + 2 + k.length + value.length;
    if (body > MAX_BODY_BYTES || t.length > Short.MAX_VALUE || k.length > Short.MAX_VALUE) {
      throw new IllegalArgumentException("outbox record too large: " + body + " bytes");
    }
    ByteBuffer buffer = ByteBuffer.allocate(HEADER_BYTES + body);
    buffer.position(HEADER_BYTES);
    // a null key is stored as length -1, an empty one as 0
    buffer.putShort((short) t.length).put(t).putShort((short) (key == null ? -1 : k.length)).put(k).put(value);
    CRC32C crc = new CRC32C();
    crc.update(buffer.array(), HEADER_BYTES, body);
    buffer.putInt(0, body).putInt(4, (int) crc.getValue());
    buffer.flip();
    return buffer;
  }

  /**
   * Decodes a record's body, checked against its header's checksum.
   *
   * @return null when the checksum or the layout does not hold
   */
  static OutboxRecord decode(int crc, byte[] body) {
    CRC32C check = new CRC32C();
    check.update(body);
    if ((int) check.getValue() != crc) {
      return null;
    }
    try {
      ByteBuffer in = ByteBuffer.wrap(body);
      byte[] t = new byte[in.getShort()];
      in.get(t);
      short keyLength = in.getShort();
      String key = null;
      if (keyLength >= 0) {
        byte[] k = new byte[keyLength];
        in.get(k);
        key = new String(k, StandardCharsets.UTF_8);
      }
      byte[] value = new byte[in.remaining()];
      in.get(value);
      return new OutboxRecord(new String(t, StandardCharsets.UTF_8), key, value);
    } catch (RuntimeException e) {
      return null;
    }
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
