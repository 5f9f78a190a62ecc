package dev.rtvoice.sessions.config;

import dev.rtvoice.common.config.ConfigException;
import dev.rtvoice.common.config.Env;
import dev.rtvoice.sessions.domain.CallLimits;
import java.time.Duration;

/**
 * The upstream call's rules: its hand-over before upstream's 60-minute cap, the client's liveness,
 * and the budgets (README "Hand-over, budgets and liveness").
 *
 * @param limits {@code ROLLOVER_AFTER} (55m), {@code ROLLOVER_DEADLINE} (60s), {@code LIVENESS_GRACE}
 *     (45s), {@code BUDGET_USER_MAX_CALL_DURATION} (4h): what the state machine enforces itself
 * @param maxConcurrentPerUser {@code BUDGET_USER_MAX_CONCURRENT_CALLS} (3): live calls one user may
 *     hold across the sessions of every instance
 * @param maxConcurrentPerTenant {@code BUDGET_TENANT_MAX_CONCURRENT_CALLS} (1000): the same per tenant
 *     (sessions whose rotation token names no tenant are not counted)
 */
public record CallSettings(CallLimits limits, int maxConcurrentPerUser, int maxConcurrentPerTenant) {
  /** Upstream ends every call at 60 minutes: a hand-over planned later than this cannot happen in time. */
  public static final Duration UPSTREAM_CAP = Duration.ofMinutes(60);

  public static CallSettings defaults() {
    return new CallSettings(CallLimits.DEFAULTS, 3, 1000);
  }

  public static CallSettings fromEnv(Env env) {
    Duration after = positive(env, "ROLLOVER_AFTER", Duration.ofMinutes(55));
    if (after.compareTo(UPSTREAM_CAP) >= 0) {
      throw new ConfigException("ROLLOVER_AFTER must be shorter than upstream's 60-minute call cap, got "
          + env.optional("ROLLOVER_AFTER").orElse(""));
    }
    Duration deadline = positive(env, "ROLLOVER_DEADLINE", Duration.ofSeconds(60));
    Duration grace = positive(env, "LIVENESS_GRACE", Duration.ofSeconds(45));
    if (grace.compareTo(Duration.ofSeconds(1)) < 0) {
      throw new ConfigException("LIVENESS_GRACE must be at least 1s (clients send a heartbeat well within it), got "
          + env.optional("LIVENESS_GRACE").orElse(""));
    }
    Duration duration = positive(env, "BUDGET_USER_MAX_CALL_DURATION", Duration.ofHours(4));
    int perUser = env.intInRange("BUDGET_USER_MAX_CONCURRENT_CALLS", 3, 1, 1_000);
    int perTenant = env.intInRange("BUDGET_TENANT_MAX_CONCURRENT_CALLS", 1000, 1, 10_000_000);
    if (perTenant < perUser) {
      throw new ConfigException("BUDGET_TENANT_MAX_CONCURRENT_CALLS (" + perTenant
          + ") must be at least BUDGET_USER_MAX_CONCURRENT_CALLS (" + perUser + ")");
    }
    return new CallSettings(new CallLimits(after.toMillis(), deadline.toMillis(), grace.toMillis(),
        duration.toMillis()), perUser, perTenant);
  }

  private static Duration positive(Env env, String name, Duration defaultValue) {
    Duration d = env.duration(name, defaultValue);
    if (d.isZero() || d.isNegative()) {
      throw new ConfigException(name + " must be positive");
    }
    return d;
  }
}
