package dev.corral.web.temporal;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall;
import io.grpc.MethodDescriptor;
import io.temporal.api.workflowservice.v1.RespondWorkflowTaskCompletedRequest;

/**
 * The embedded test server never expires sticky task queues, so a workflow whose worker went away
 * would hang forever (stack-notes §3.4). Dropping the sticky attributes sends every workflow task
 * to the shared queue; the cost is a history replay per task, negligible at our volumes.
 */
public final class NoStickyInterceptor implements ClientInterceptor {
  @Override
  public <ReqT, RespT> ClientCall<ReqT, RespT> interceptCall(
      MethodDescriptor<ReqT, RespT> method, CallOptions options, Channel next) {
    ClientCall<ReqT, RespT> call = next.newCall(method, options);
    if (!method.getFullMethodName().endsWith("/RespondWorkflowTaskCompleted")) {
      return call;
    }
    return new ForwardingClientCall.SimpleForwardingClientCall<>(call) {
      @Override
      @SuppressWarnings("unchecked")
      public void sendMessage(ReqT message) {
        super.sendMessage(
            (ReqT) ((RespondWorkflowTaskCompletedRequest) message).toBuilder().clearStickyAttributes().build());
      }
    };
  }
}
