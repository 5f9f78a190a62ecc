package dev.rtvoice.tokens.api;

/** The two operations of the API, as events and metrics name them. */
enum Operation {
  ISSUE("issue"),
  ROTATE("rotate");

  final String label;

  Operation(String label) {
    this.label = label;
  }

  /** Which operation a path is (rotation paths end in /rotate). */
  static Operation of(String path) {
    return path != null && path.endsWith("/rotate") ? ROTATE : ISSUE;
  }
}
