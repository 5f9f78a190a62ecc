package dev.rtvoice.tokens.api;

/** The session operations of the API, as events and metrics name them. */
enum Operation {
  ISSUE("issue"),
  ROTATE("rotate"),
  /** A new rotation token for the session without a client secret (server-side call creation). */
  REFRESH("refresh");

  final String label;

  Operation(String label) {
    this.label = label;
  }

  /** Which operation a path is (rotation paths end in /rotate, refresh paths in /refresh). */
  static Operation of(String path) {
    if (path != null && path.endsWith("/rotate")) {
      return ROTATE;
    }
    return path != null && path.endsWith("/refresh") ? REFRESH : ISSUE;
  }
}
