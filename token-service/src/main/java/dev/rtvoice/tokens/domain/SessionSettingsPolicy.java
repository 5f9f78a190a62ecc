package dev.rtvoice.tokens.domain;

import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Turns what a caller asked for into {@link SessionSettings}: voice and model must be on the
 * server's allow-lists (absent means the server default), and the TTL is clamped into
 * {@code [minTtl, maxTtl]} rather than refused, so an old client asking for 600 s still gets a
 * session, just a shorter-lived one.
 */
public final class SessionSettingsPolicy {
  private final List<String> models;
  private final List<String> voices;
  private final Set<String> modelSet;
  private final Set<String> voiceSet;
  private final String defaultModel;
  private final String defaultVoice;
  private final int defaultTtl;
  private final int minTtl;
  private final int maxTtl;

  public SessionSettingsPolicy(List<String> models, String defaultModel, List<String> voices, String defaultVoice,
                               int defaultTtl, int minTtl, int maxTtl) {
    if (models.isEmpty() || voices.isEmpty()) {
      throw new IllegalArgumentException("allow-lists must not be empty");
    }
    if (!models.contains(defaultModel) || !voices.contains(defaultVoice)) {
      throw new IllegalArgumentException("defaults must be on the allow-lists");
    }
    if (minTtl > maxTtl || defaultTtl < minTtl || defaultTtl > maxTtl) {
      throw new IllegalArgumentException("TTL bounds must satisfy min <= default <= max");
    }
    this.models = List.copyOf(models);
    this.voices = List.copyOf(voices);
    this.modelSet = Set.copyOf(models);
    this.voiceSet = Set.copyOf(voices);
    this.defaultModel = defaultModel;
    this.defaultVoice = defaultVoice;
    this.defaultTtl = defaultTtl;
    this.minTtl = minTtl;
    this.maxTtl = maxTtl;
  }

  /**
   * @param model requested model or null
   * @param voice requested voice or null
   * @param ttlSeconds requested TTL or null
   * @throws InvalidSettingException naming the field when a value is not allowed
   */
  public SessionSettings resolve(String model, String voice, Long ttlSeconds) {
    String m = model == null ? defaultModel : model;
    if (!modelSet.contains(m)) {
      throw new InvalidSettingException("model", "'" + abbreviate(m) + "' is not an allowed model; allowed: " + models);
    }
    String v = voice == null ? defaultVoice : voice;
    if (!voiceSet.contains(v)) {
      throw new InvalidSettingException("voice", "'" + abbreviate(v) + "' is not an allowed voice; allowed: " + voices);
    }
    return new SessionSettings(m, v, clampTtl(ttlSeconds));
  }

  /** Whether a session minted earlier may still be rotated with these settings (allow-lists can shrink). */
  public boolean stillAllowed(String model, String voice) {
    return modelSet.contains(model) && voiceSet.contains(voice);
  }

  public int clampTtl(Long requested) {
    if (requested == null) {
      return defaultTtl;
    }
    return (int) Math.max(minTtl, Math.min(maxTtl, requested));
  }

  public List<String> models() {
    return models;
  }

  public List<String> voices() {
    return voices;
  }

  public String defaultModel() {
    return defaultModel;
  }

  public String defaultVoice() {
    return defaultVoice;
  }

  public int minTtl() {
    return minTtl;
  }

  public int maxTtl() {
    return maxTtl;
  }

  private static String abbreviate(String value) {
    Objects.requireNonNull(value);
    return value.length() <= 64 ? value : value.substring(0, 64) + "...";
  }
}
