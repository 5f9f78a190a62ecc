package dev.rtvoice.tokens.auth;

/** The authenticated app user making a request: the {@code sub} of their identity-provider JWT. */
public record Caller(String userId) {}
