package dev.rtvoice.metrics.domain;

/** One sample that was not taken: its index in the batch, why, and a message for people. */
public record Rejection(int index, RejectReason reason, String message) {}
