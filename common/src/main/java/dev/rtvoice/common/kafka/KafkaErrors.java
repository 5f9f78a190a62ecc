package dev.rtvoice.common.kafka;

import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.ClusterAuthorizationException;
import org.apache.kafka.common.errors.GroupAuthorizationException;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.SslAuthenticationException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.TopicAuthorizationException;

/**
 * Turns a Kafka client failure into what an operator must change: the variable behind a rejected
 * credential or a failed TLS handshake, or the ACL the broker refused. Never includes a secret: the
 * client's own messages carry none, and ours name variables, not their values.
 */
public final class KafkaErrors {
  private KafkaErrors() {}

  public static String explain(Throwable failure, KafkaSecurity security) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof SaslAuthenticationException) {
        return "Kafka rejected the SASL credentials of " + security.principalDescription() + " ("
            + security.mechanism() + "): check KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD (or "
            + "KAFKA_SASL_PASSWORD_FILE), and KAFKA_SASL_MECHANISM";
      }
      if (t instanceof SslAuthenticationException) {
        return "the TLS handshake with Kafka failed (" + rootMessage(t) + "): check KAFKA_SSL_TRUSTSTORE_LOCATION "
            + "(it must hold the CA of the broker's certificate), KAFKA_SSL_ENDPOINT_IDENTIFICATION_ALGORITHM, and for "
            + "mutual TLS KAFKA_SSL_KEYSTORE_LOCATION";
      }
      if (t instanceof TopicAuthorizationException e) {
        return "missing Kafka ACL: " + security.principalDescription() + " is not authorized on topic(s) "
            + (e.unauthorizedTopics().isEmpty() ? "(not named by the broker)" : e.unauthorizedTopics())
            + " (" + e.getMessage() + "; see deploy/kafka-acls)";
      }
      if (t instanceof GroupAuthorizationException e) {
        return "missing Kafka ACL: " + security.principalDescription() + " is not authorized on consumer group "
            + e.groupId() + " (Read; see deploy/kafka-acls)";
      }
      if (t instanceof ClusterAuthorizationException) {
        return "missing Kafka ACL: " + security.principalDescription() + " is not authorized on the cluster ("
            + t.getMessage() + ")";
      }
      if (t instanceof AuthorizationException) {
        return "missing Kafka ACL for " + security.principalDescription() + ": " + t.getMessage();
      }
    }
    String message = rootMessage(failure);
    if (hasCause(failure, TimeoutException.class) || message.contains("Timed out")) {
      return message + " (check KAFKA_BOOTSTRAP_SERVERS, and KAFKA_SECURITY_PROTOCOL: a TLS listener does not "
          + "answer a PLAINTEXT client, nor the reverse)";
    }
    return message;
  }

  private static boolean hasCause(Throwable failure, Class<? extends Throwable> type) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (type.isInstance(t)) {
        return true;
      }
    }
    return false;
  }

  private static String rootMessage(Throwable t) {
    Throwable root = t;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String message = root.getMessage();
    return message == null ? root.getClass().getSimpleName() : message;
  }
}
