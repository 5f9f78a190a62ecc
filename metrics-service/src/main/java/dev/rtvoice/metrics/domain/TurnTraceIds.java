package dev.rtvoice.metrics.domain;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Trace and span ids derived from (session, turn) alone, so that whichever metrics-service instance
 * assembles a turn (after a rebalance, or a restart that reads it again) gives it the same trace id,
 * and a client that knows its session and turn can find its trace.
 */
public final class TurnTraceIds {
  private static final HexFormat HEX = HexFormat.of();

  private TurnTraceIds() {}

  /** 32 hex digits: the first 16 bytes of SHA-256("rtvoice-turn", session, turn); never all zero. */
  public static String traceId(String sessionId, long turn) {
    return hex(digest("rtvoice-turn\0" + sessionId + "\0" + turn), 0, 16);
  }

  /** 16 hex digits for the turn's root span. */
  public static String rootSpanId(String sessionId, long turn) {
    return hex(digest("rtvoice-turn\0" + sessionId + "\0" + turn), 16, 8);
  }

  /** 16 hex digits for one stage's span of the turn. */
  public static String stageSpanId(String traceId, String stage) {
    return hex(digest("rtvoice-stage\0" + traceId + "\0" + stage), 0, 8);
  }

  private static byte[] digest(String input) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(input.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
  }

  private static String hex(byte[] bytes, int from, int length) {
    byte[] id = java.util.Arrays.copyOfRange(bytes, from, from + length);
    boolean zero = true;
    for (byte b : id) {
      zero &= b == 0;
    }
    if (zero) {
      id[length - 1] = 1; // an all-zero id is invalid in W3C trace context
    }
    return HEX.formatHex(id);
  }
}
