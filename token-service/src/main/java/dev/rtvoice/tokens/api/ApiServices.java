package dev.rtvoice.tokens.api;

import dev.rtvoice.tokens.auth.CallerAuthenticator;
import dev.rtvoice.tokens.domain.RateLimiter;
import dev.rtvoice.tokens.domain.RotationFamilies;
import dev.rtvoice.tokens.domain.SessionIds;
import dev.rtvoice.tokens.kafka.DurableWriter;
import dev.rtvoice.tokens.kafka.RotationLedger;
import dev.rtvoice.tokens.kafka.TokenEvents;
import dev.rtvoice.tokens.metrics.TokenMetrics;
import dev.rtvoice.tokens.upstream.SecretMinter;
import java.time.Clock;

/**
 * What the HTTP layer of one event loop uses. Everything but the minter (whose HTTP client belongs
 * to its event loop) is shared by all event loops and thread-safe.
 */
public record ApiServices(CallerAuthenticator authenticator, SecretMinter minter, RateLimiter limiter,
                          TokenEvents events, TokenMetrics metrics, SessionIds ids, Clock clock, DurableWriter writer,
                          RotationFamilies families, RotationLedger ledger) {}
