package dev.rtvoice.alerting.domain.alert;

import dev.rtvoice.alerting.domain.Fingerprint;
import dev.rtvoice.alerting.domain.LabelSet;
import java.util.Map;

/**
 * An alert as it was at one moment: what a {@link Transition} carries, so that later evaluations
 * never change what was reported.
 *
 * @param restoredAnnotations the annotations an alert restored after a restart carried until it is
 *     measured again, else null
 */
public record AlertSnapshot(
    LabelSet labels,
    LabelSet groupLabels,
    long fingerprint,
    AlertState state,
    long activeAt,
    long firedAt,
    long keepFiringSince,
    double value,
    double threshold,
    double samples,
    Map<String, String> restoredAnnotations) {

  public static AlertSnapshot of(Alert a) {
    return new AlertSnapshot(a.labels(), a.groupLabels(), a.fingerprint(), a.state(), a.activeAt(), a.firedAt(),
        a.keepFiringSince(), a.value(), a.threshold(), a.samples(), a.restoredAnnotations());
  }

  public String fingerprintHex() {
    return Fingerprint.hex(fingerprint);
  }
}
