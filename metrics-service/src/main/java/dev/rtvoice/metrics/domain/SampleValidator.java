package dev.rtvoice.metrics.domain;

/**
 * The rules a latency sample must pass before it reaches a window (the metrics-service README, "Inputs"): a known stage,
 * a finite value within 0 .. 120,000 ms, an event time within the allowed lateness and not beyond
 * the allowed clock skew, a turn, a platform label, and, for client samples, the rotation token's
 * session. Each rule failure names its reason, so a client can tell which of its samples to fix; a
 * failing sample never affects the others of its batch.
 */
public final class SampleValidator {
  public static final double MAX_VALUE_MS = 120_000;
  public static final int MAX_LABEL_LENGTH = 64;

  /** Where samples come from, which decides two rules. */
  public enum Source {
    /**
     * A client's {@code POST /v1/telemetry}: only client stages; the sample must belong to the
     * token's session; its event time must be within the allowed lateness of the wall clock.
     */
    CLIENT,
    /**
     * {@code realtime.latency.samples}: any stage, and Kafka may deliver late (consumer lag), so
     * only the watermark decides lateness.
     */
    PIPELINE
  }

  /** The outcome for one sample: exactly one of the two is set. */
  public record Checked(LatencySample sample, Rejection rejection) {
    public boolean accepted() {
      return sample != null;
    }
  }

  private final long allowedLatenessMs;
  private final long maxClockSkewMs;
  private final OutageCredit outages;

  public SampleValidator(long allowedLatenessMs, long maxClockSkewMs) {
    this(allowedLatenessMs, maxClockSkewMs, OutageCredit.none());
  }

  /**
   * With this instance's outages: a client sample older than the allowed lateness is still taken
   * when an outage made it so ({@link OutageCredit}); the windows fold it into its closed bucket.
   */
  public SampleValidator(long allowedLatenessMs, long maxClockSkewMs, OutageCredit outages) {
    this.allowedLatenessMs = allowedLatenessMs;
    this.maxClockSkewMs = maxClockSkewMs;
    this.outages = outages;
  }

  /**
   * Checks one sample.
   *
   * @param expectedSessionId the rotation token's session (client samples), or null
   * @param nowMs the wall clock, read once per batch
   * @param watermarkMs the windows' watermark: samples before it would land in a closed bucket
   */
  public Checked check(int index, RawSample raw, Source source, String expectedSessionId, long nowMs,
                       long watermarkMs) {
    String sessionId = raw.sessionId() != null ? raw.sessionId() : expectedSessionId;
    if (sessionId == null || sessionId.isEmpty()) {
      return reject(index, RejectReason.INVALID_SESSION_ID, "session_id is required");
    }
    if (expectedSessionId != null && !expectedSessionId.equals(sessionId)) {
      return reject(index, RejectReason.SESSION_MISMATCH,
          "sample belongs to another session than the rotation token's");
    }
    if (raw.stage() == null) {
      return reject(index, RejectReason.UNKNOWN_STAGE, "stage is required");
    }
    Stage stage = Stage.fromWireName(raw.stage()).orElse(null);
    if (stage == null) {
      return reject(index, RejectReason.UNKNOWN_STAGE, "stage '" + abbreviate(raw.stage())
          + "' is not one of capture, uplink, downlink, playback, first_audio, full_turn");
    }
    if (source == Source.CLIENT && !stage.clientReported()) {
      return reject(index, RejectReason.UNKNOWN_STAGE, "stage '" + stage + "' is measured server-side, not by clients");
    }
    Double value = raw.valueMs();
    if (value == null) {
      return reject(index, RejectReason.INVALID_VALUE, "value_ms is required");
    }
    if (!Double.isFinite(value)) {
      return reject(index, RejectReason.INVALID_VALUE, "value_ms must be a finite number");
    }
    if (value < 0 || value > MAX_VALUE_MS) {
      return reject(index, RejectReason.OUT_OF_RANGE, "value_ms must be between 0 and 120000, got " + value);
    }
    Long occurredAt = raw.occurredAtMs();
    if (occurredAt == null) {
      return reject(index, RejectReason.INVALID_OCCURRED_AT, "occurred_at is required");
    }
    if (occurredAt > nowMs + maxClockSkewMs) {
      return reject(index, RejectReason.IN_FUTURE, "occurred_at is " + (occurredAt - nowMs)
          + " ms ahead of the server clock (at most " + maxClockSkewMs + " ms allowed)");
    }
    boolean clientLate = source == Source.CLIENT && occurredAt < nowMs - allowedLatenessMs;
    boolean outageLate = clientLate && outages.excuses(occurredAt, nowMs);
    if (clientLate && !outageLate) {
      return reject(index, RejectReason.TOO_LATE, "occurred_at is " + (nowMs - occurredAt)
          + " ms old; samples are taken up to " + allowedLatenessMs + " ms after they happened");
    }
    if (occurredAt < watermarkMs && !outageLate) {
      return reject(index, RejectReason.TOO_LATE, "occurred_at is behind the watermark: its window is closed");
    }
    Long turn = raw.turn();
    if (turn == null) {
      return reject(index, RejectReason.INVALID_TURN, "turn is required");
    }
    if (turn < 0) {
      return reject(index, RejectReason.INVALID_TURN, "turn must not be negative");
    }
    String platform = raw.platform();
    if (platform == null || platform.isEmpty()) {
      return reject(index, RejectReason.INVALID_PLATFORM, "platform is required");
    }
    if (!isLabel(platform, false)) {
      return reject(index, RejectReason.INVALID_PLATFORM,
          "platform must be 1 to 64 characters of A-Z a-z 0-9 . _ -");
    }
    String model = raw.model();
    if (model != null && !isLabel(model, true)) {
      return reject(index, RejectReason.INVALID_MODEL, "model must be 1 to 64 characters of A-Z a-z 0-9 . _ - :");
    }
    return new Checked(new LatencySample(stage, value, occurredAt, sessionId, turn, platform, model), null);
  }

  private static Checked reject(int index, RejectReason reason, String message) {
    return new Checked(null, new Rejection(index, reason, message));
  }

  /** Label values go to Prometheus and into pane labels: short and plain. */
  static boolean isLabel(String value, boolean allowColon) {
    int n = value.length();
    if (n == 0 || n > MAX_LABEL_LENGTH) {
      return false;
    }
    for (int i = 0; i < n; i++) {
      char c = value.charAt(i);
      boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
          || c == '.' || c == '_' || c == '-' || (allowColon && c == ':');
      if (!ok) {
        return false;
      }
    }
    return true;
  }

  private static String abbreviate(String text) {
    // the value is echoed back to its sender only, but keep error messages short
    String s = text.length() > 32 ? text.substring(0, 32) + "..." : text;
    return s.replaceAll("[^\\x20-\\x7e]", "?");
  }
}
