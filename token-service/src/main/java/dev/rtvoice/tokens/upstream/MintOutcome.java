package dev.rtvoice.tokens.upstream;

/**
 * What a resilient mint cost: how many attempts and how long upstream took in total (attempts plus
 * backoff), for the latency split and the events.
 */
public record MintOutcome(MintedSecret secret, int attempts, long upstreamMs) {}
