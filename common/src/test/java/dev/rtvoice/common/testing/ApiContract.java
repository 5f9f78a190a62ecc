package dev.rtvoice.common.testing;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.openapi.contract.OpenAPIContract;
import io.vertx.openapi.contract.Operation;
import io.vertx.openapi.validation.ResponseValidator;
import io.vertx.openapi.validation.ValidatableResponse;
import java.net.URI;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.TimeUnit;

/**
 * A service's OpenAPI document, checked against real answers with vertx-openapi's response validator:
 * the status must be documented for the operation, and the body and documented headers must match
 * their schemas. Tests call {@link #check} on every answer they get, then {@link #assertEveryOperationSeen},
 * so that the document cannot drift from the code in either direction.
 */
public final class ApiContract implements AutoCloseable {
  private final Vertx vertx;
  private final OpenAPIContract contract;
  private final ResponseValidator validator;
  private final Set<String> seen = new ConcurrentSkipListSet<>();

  private ApiContract(Vertx vertx, OpenAPIContract contract) {
    this.vertx = vertx;
    this.contract = contract;
    this.validator = ResponseValidator.create(vertx, contract);
  }

  /** Loads {@code openapi/<service>.yaml} from the classpath (the document the service serves). */
  public static ApiContract of(String service) throws Exception {
    Vertx vertx = Vertx.vertx();
    try {
      OpenAPIContract contract = OpenAPIContract.from(vertx, "openapi/" + service + ".yaml")
          .await(30, TimeUnit.SECONDS);
      return new ApiContract(vertx, contract);
    } catch (Exception e) {
      vertx.close();
      throw e;
    }
  }

  /** Fails unless {@code response}, the answer to {@code method url}, is what the document says. */
  public Http.Response check(String method, String url, Http.Response response) {
    String path = URI.create(url).getPath();
    Operation operation = contract.findOperation(path, HttpMethod.valueOf(method));
    if (operation == null) {
      throw new AssertionError(method + " " + path + " is not in the contract");
    }
    if (operation.getResponse(response.status()) == null && operation.getDefaultResponse() == null) {
      throw new AssertionError(operation.getOperationId() + " answered " + response.status()
          + ", which the contract does not document: " + response.body());
    }
    Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    response.headers().forEach((name, values) -> {
      if (!values.isEmpty()) {
        headers.put(name, values.get(0));
      }
    });
    String contentType = headers.get("content-type");
    ValidatableResponse validatable = response.body() == null || response.body().isEmpty()
        ? ValidatableResponse.create(response.status(), headers)
        : ValidatableResponse.create(response.status(), headers, Buffer.buffer(response.body()), contentType);
    try {
      validator.validate(validatable, operation.getOperationId()).await(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError(operation.getOperationId() + " " + response.status() + " does not match the contract: "
          + describe(e) + "\nbody: " + response.body(), e);
    }
    seen.add(operation.getOperationId() + " " + response.status());
    return response;
  }

  /** Every operation of the document was answered at least once (with any documented status). */
  public void assertEveryOperationSeen() {
    Set<String> missing = new TreeSet<>();
    for (Operation operation : contract.operations()) {
      boolean any = seen.stream().anyMatch(s -> s.startsWith(operation.getOperationId() + " "));
      if (!any) {
        missing.add(operation.getOperationId());
      }
    }
    if (!missing.isEmpty()) {
      throw new AssertionError("operations never exercised against the contract: " + missing);
    }
  }

  /** The operation and status pairs seen so far, e.g. {@code "interrupt 409"}. */
  public Set<String> seen() {
    return Set.copyOf(seen);
  }

  private static String describe(Throwable e) {
    StringBuilder out = new StringBuilder(String.valueOf(e.getMessage()));
    if (e instanceof io.vertx.json.schema.JsonSchemaValidationException v) {
      out.append(" at ").append(v.location());
    }
    if (e instanceof io.vertx.openapi.validation.SchemaValidationException v && v.getOutputUnit() != null
        && v.getOutputUnit().getErrors() != null) {
      v.getOutputUnit().getErrors().forEach(u ->
          out.append("; ").append(u.getInstanceLocation()).append(": ").append(u.getError()));
    }
    Throwable cause = e.getCause();
    if (cause != null && cause != e) {
      out.append(" (").append(describe(cause)).append(')');
    }
    return out.toString();
  }

  @Override
  public void close() {
    vertx.close();
  }
}
