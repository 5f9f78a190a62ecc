package dev.rtvoice.e2e.fuzz;

import java.util.List;

/**
 * One route of a service as its clients call it: the method, the path with {@code {id}} where a
 * client-chosen segment goes, the credential it expects, and a well-formed body to start mutating from.
 */
record Endpoint(String method, String path, Credential credential, String body) {
  /** Which of the suite's credentials a well-behaved client would present. */
  enum Credential { NONE, USER_JWT, ROTATION_TOKEN, OPERATOR }

  static Endpoint get(String path, Credential credential) {
    return new Endpoint("GET", path, credential, null);
  }

  static Endpoint post(String path, Credential credential, String body) {
    return new Endpoint("POST", path, credential, body);
  }

  /** Every service's operational routes. */
  static List<Endpoint> operational() {
    return List.of(get("/health/live", Credential.NONE), get("/health/ready", Credential.NONE),
        get("/metrics", Credential.NONE));
  }
}
