package dev.rtvoice.tokens.domain;

/**
 * What a voice session is minted with: the model and voice (each from the server's allow-list) and
 * the client secret's lifetime. Instructions and tools are server configuration, never the caller's.
 */
public record SessionSettings(String model, String voice, int ttlSeconds) {}
