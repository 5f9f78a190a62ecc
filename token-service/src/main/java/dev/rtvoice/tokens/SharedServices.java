package dev.rtvoice.tokens;

import dev.rtvoice.tokens.auth.CallerAuthenticator;
import dev.rtvoice.tokens.domain.RateLimiter;
import dev.rtvoice.tokens.domain.RotationFamilies;
import dev.rtvoice.tokens.domain.SessionIds;
import dev.rtvoice.tokens.kafka.DurableWriter;
import dev.rtvoice.tokens.kafka.RotationLedger;
import dev.rtvoice.tokens.kafka.TokenEvents;
import dev.rtvoice.tokens.metrics.TokenMetrics;
import dev.rtvoice.tokens.upstream.SecretMinter;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Clock;

/** The thread-safe parts every event loop of the service shares. */
record SharedServices(CallerAuthenticator authenticator, SecretMinter minter,
                      RateLimiter limiter, TokenEvents events, TokenMetrics metrics, SessionIds ids, Clock clock,
                      PrometheusMeterRegistry registry, DurableWriter writer, RotationFamilies families,
                      RotationLedger ledger) {}
