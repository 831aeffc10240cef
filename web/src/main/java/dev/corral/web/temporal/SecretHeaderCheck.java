package dev.corral.web.temporal;

import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * Refuses every call to the embedded Temporal server, health checks included, that does not carry
 * the secret made when the server started. A loopback port is open to every local user and process,
 * and any of them could otherwise list, signal or terminate Corral's workflows. The server lives in
 * Corral's JVM, so the secret never leaves memory: it is not logged, written or configured.
 */
final class SecretHeaderCheck implements ServerInterceptor {
  private static final Metadata.Key<String> AUTHORIZATION =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
  private static final Status REFUSED =
      Status.UNAUTHENTICATED.withDescription(
          "this Temporal server serves only the Corral process that started it");

  private final String expected;

  private SecretHeaderCheck(String expected) {
    this.expected = expected;
  }

  /** 32 random bytes, as much as a guess would have to match. */
  static SecretHeaderCheck withRandomSecret() {
    byte[] secret = new byte[32];
    new SecureRandom().nextBytes(secret);
    return new SecretHeaderCheck(
        "Bearer " + Base64.getUrlEncoder().withoutPadding().encodeToString(secret));
  }

  /** What a client sends on every call to be let in. */
  Metadata clientHeaders() {
    Metadata headers = new Metadata();
    headers.put(AUTHORIZATION, expected);
    return headers;
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    String presented = headers.get(AUTHORIZATION);
    // Constant time, so how long a refusal takes tells nothing about how much of a guess was right.
    if (presented == null || !MessageDigest.isEqual(bytes(presented), bytes(expected))) {
      call.close(REFUSED, new Metadata());
      return new ServerCall.Listener<>() {};
    }
    return next.startCall(call, headers);
  }

  private static byte[] bytes(String header) {
    return header.getBytes(StandardCharsets.US_ASCII);
  }
}
