package dev.rtvoice.alerting.domain.alert;

/** Prometheus' alert states; an inactive alert is not kept. */
public enum AlertState {
  PENDING, FIRING;

  public String wireName() {
    return name().toLowerCase();
  }
}
