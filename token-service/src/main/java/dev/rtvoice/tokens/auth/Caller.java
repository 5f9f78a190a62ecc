package dev.rtvoice.tokens.auth;

/**
 * The authenticated app user making a request: the {@code sub} of their identity-provider JWT, and
 * their tenant (the claim named by {@code TENANT_CLAIM}) when the token carried a valid one.
 *
 * @param tenantId null when the token has no usable tenant claim
 * @param tenantIgnored the token had the claim but not a valid tenant id (counted, then ignored)
 * @param expiresAtEpochSecond the token's {@code exp}
 */
public record Caller(String userId, String tenantId, boolean tenantIgnored, long expiresAtEpochSecond) {}
