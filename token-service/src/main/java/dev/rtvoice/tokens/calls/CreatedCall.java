package dev.rtvoice.tokens.calls;

/** A call upstream created: its id (from {@code Location}), the SDP answer, and how long upstream took. */
public record CreatedCall(String callId, String answer, long upstreamMs, int attempts) {}
