package dev.rtvoice.alerting.domain.alert;

import dev.rtvoice.alerting.domain.LabelSet;

/**
 * A rule's value for one group of series at one evaluation.
 *
 * @param holds whether the condition holds (value against threshold, and enough samples)
 */
public record Measurement(LabelSet group, double value, double threshold, double samples, boolean holds) {}
