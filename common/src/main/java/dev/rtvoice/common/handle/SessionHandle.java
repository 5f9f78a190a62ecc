package dev.rtvoice.common.handle;

import java.time.Instant;
import java.util.Optional;

/**
 * The client's credential to this suite (the {@code rotation_token}): which session it is, for
 * which user and device, and until when. It is not the upstream client secret, which is the client's
 * credential to OpenAI; it only carries that secret's expiry, so other services can tell how long
 * the secret has left without ever seeing it.
 *
 * @param generation rotation count: 0 for the handle of a new session, +1 per rotation
 * @param secretExpiresAt when the client secret issued alongside this handle expires
 * @param expiresAt when this handle stops being accepted (the secret's expiry plus a grace period)
 * @param tenantId the user's tenant as the identity provider named it (claim {@code tnt}), or null:
 *     optional, so handles signed before it existed still verify
 */
public record SessionHandle(
    String sessionId,
    String userId,
    String deviceId,
    int generation,
    Instant issuedAt,
    Instant secretExpiresAt,
    Instant expiresAt,
    String tenantId) {

  public SessionHandle {
    if (tenantId != null && !TenantIds.isValid(tenantId)) {
      throw new IllegalArgumentException("tenant id must match " + TenantIds.PATTERN_TEXT);
    }
  }

  /** A handle without a tenant. */
  public SessionHandle(String sessionId, String userId, String deviceId, int generation, Instant issuedAt,
      Instant secretExpiresAt, Instant expiresAt) {
    this(sessionId, userId, deviceId, generation, issuedAt, secretExpiresAt, expiresAt, null);
  }

  public Optional<String> tenant() {
    return Optional.ofNullable(tenantId);
  }
}
