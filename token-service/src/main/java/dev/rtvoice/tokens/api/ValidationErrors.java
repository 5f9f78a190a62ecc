package dev.rtvoice.tokens.api;

import dev.rtvoice.common.http.ApiException;
import io.vertx.json.schema.OutputUnit;
import io.vertx.openapi.validation.SchemaValidationException;
import io.vertx.openapi.validation.ValidatorErrorType;
import io.vertx.openapi.validation.ValidatorException;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns what the OpenAPI request validator rejected into the suite's error shape: 400 with the
 * offending field named ({@code ttl_seconds}, {@code X-Device-ID}, {@code session_id}), 400
 * {@code invalid_json} for a body that is not JSON, 415 for a body that is not JSON at all.
 */
final class ValidationErrors {
  // "... the required header parameter X-Device-ID", "... of header parameter X-Device-ID is invalid ..."
  private static final Pattern PARAMETER = Pattern.compile("(?:path|header|query|cookie) parameter ([^ .]+)");
  private static final Pattern REQUIRED_PROPERTY = Pattern.compile("required property \"?([^\" ]+)\"?");
  private static final Pattern NOT_ALLOWED_PROPERTY = Pattern.compile("Property \"?([^\" ]+)\"? does not match");

  private ValidationErrors() {}

  static ApiException toApiException(ValidatorException e) {
    String message = e.getMessage() == null ? "" : e.getMessage();
    if (e.type() == ValidatorErrorType.UNSUPPORTED_VALUE_FORMAT && message.contains("body")) {
      return new ApiException(415, "unsupported_media_type", "the request body must be application/json");
    }
    if (e.type() == ValidatorErrorType.ILLEGAL_VALUE && message.contains("body")) {
      return new ApiException(400, "invalid_json", "request body is not valid JSON");
    }
    Matcher parameter = PARAMETER.matcher(message);
    if (parameter.find()) {
      String name = parameter.group(1);
      String what = e.type() == ValidatorErrorType.MISSING_REQUIRED_PARAMETER ? "is required" : "is not valid";
      return ApiException.badRequest(name, what + reason(e));
    }
    if (message.contains("required body")) {
      return ApiException.badRequest("body", "a JSON object body is required");
    }
    if (e instanceof SchemaValidationException schema) {
      return bodyError(schema.getOutputUnit());
    }
    return new ApiException(400, "invalid_request", "the request does not match the API");
  }

  private static ApiException bodyError(OutputUnit unit) {
    OutputUnit relevant = mostRelevant(unit);
    String location = relevant == null || relevant.getInstanceLocation() == null ? "" : relevant.getInstanceLocation();
    String error = relevant == null || relevant.getError() == null ? "is not valid" : relevant.getError();
    String field = fieldOf(location);
    Matcher required = REQUIRED_PROPERTY.matcher(error);
    if (required.find()) {
      String name = required.group(1);
      return ApiException.badRequest(field.isEmpty() ? name : field + "." + name, "is required");
    }
    if (field.isEmpty()) {
      Matcher property = NOT_ALLOWED_PROPERTY.matcher(error);
      if (property.find()) {
        return ApiException.badRequest(property.group(1), "is not accepted here (instructions and tools are server "
            + "configuration)");
      }
      if (error.contains("Instance type")) {
        return new ApiException(400, "invalid_json", "request body must be a JSON object");
      }
      return ApiException.badRequest("body", error);
    }
    if (error.contains("false")) {
      // additionalProperties: false is reported at the extra property's own location
      return ApiException.badRequest(field, "is not accepted here (instructions and tools are server configuration)");
    }
    return ApiException.badRequest(field, error);
  }

  /** The deepest error: the one that names the value that is wrong, not the object around it. */
  private static OutputUnit mostRelevant(OutputUnit unit) {
    if (unit == null) {
      return null;
    }
    List<OutputUnit> errors = unit.getErrors();
    if (errors == null || errors.isEmpty()) {
      return unit;
    }
    OutputUnit best = errors.get(errors.size() - 1);
    for (OutputUnit candidate : errors) {
      if (fieldOf(candidate.getInstanceLocation()).length() > fieldOf(best.getInstanceLocation()).length()) {
        best = candidate;
      }
    }
    return best;
  }

  /** "/ttl_seconds" to "ttl_seconds"; JSON pointer escapes decoded. */
  private static String fieldOf(String location) {
    if (location == null) {
      return "";
    }
    String trimmed = location.startsWith("#") ? location.substring(1) : location;
    trimmed = trimmed.startsWith("/") ? trimmed.substring(1) : trimmed;
    return trimmed.replace('/', '.').replace("~1", "/").replace("~0", "~");
  }

  private static String reason(ValidatorException e) {
    if (e instanceof SchemaValidationException schema && schema.getOutputUnit() != null) {
      OutputUnit relevant = mostRelevant(schema.getOutputUnit());
      if (relevant != null && relevant.getError() != null) {
        return ": " + relevant.getError();
      }
    }
    return "";
  }
}
