package dev.rtvoice.sessions.domain;

/**
 * The byte budget of a session's durable state: its snapshot ({@link SessionState#toMap()} as JSON)
 * stays under {@link #SNAPSHOT_MAX_BYTES}, half of Kafka's 64 KiB record limit, whatever a client
 * sends, by design rather than by a check at write time. Each part is bounded on its own:
 *
 * <ul>
 *   <li>ids (session, conversation, call, response, item, interrupt, event): at most 128 (session: 200)
 *       printable ASCII characters each, so at most twice that as JSON;</li>
 *   <li>the user and device ids come from a signed rotation token of at most 2,048 characters;</li>
 *   <li>reasons: at most 64 of {@code [a-z0-9_]}; numbers and counters: fixed; recent ids: fixed rings
 *       of 64-bit hashes;</li>
 *   <li>the summary: {@link BoundedSummary#MAX_BYTES} of text, {@link BoundedSummary#MAX_LINES} lines;</li>
 *   <li>events held past a sequence gap: at most {@code ORDER_MAX_HELD} of them and at most
 *       {@link #HELD_MAX_BYTES} together; one more is the overflow described in {@link SessionMachine}.</li>
 * </ul>
 *
 * What is left for everything but the summary and the held events is {@link #FIXED_PART_MAX_BYTES};
 * the domain tests fill every field to its limit and check the sum.
 */
public final class StateBudget {
  /** The snapshot as the kafka adapter writes it, without the envelope around it. */
  public static final int SNAPSHOT_MAX_BYTES = 32 * 1024;
  /** Client events held past a gap, as JSON, together. */
  public static final int HELD_MAX_BYTES = 10 * 1024;
  /** Everything but the summary and the held events (ids, numbers, counters, rings, keys). */
  public static final int FIXED_PART_MAX_BYTES = 11 * 1024;
  /** One summary line's JSON besides its text ({@code {"turn":..,"role":"assistant","text":""},}). */
  public static final int SUMMARY_LINE_OVERHEAD_BYTES = 64;

  /** The parts' sum, which must stay within {@link #SNAPSHOT_MAX_BYTES}. */
  public static int partsMaxBytes() {
    return FIXED_PART_MAX_BYTES + HELD_MAX_BYTES + BoundedSummary.MAX_BYTES
        + BoundedSummary.MAX_LINES * SUMMARY_LINE_OVERHEAD_BYTES;
  }

  private StateBudget() {}
}
