package dev.corral.web.temporal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckResponse;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionRequest;
import io.temporal.api.workflowservice.v1.ListOpenWorkflowExecutionsRequest;
import io.temporal.api.workflowservice.v1.SignalWorkflowExecutionRequest;
import io.temporal.api.workflowservice.v1.TerminateWorkflowExecutionRequest;
import io.temporal.api.workflowservice.v1.WorkflowServiceGrpc.WorkflowServiceBlockingStub;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import io.temporal.worker.WorkerFactory;
import io.temporal.workflow.SignalMethod;
import io.temporal.workflow.Workflow;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * The embedded Temporal server listens on a loopback port that every process on the host can reach,
 * but only the Corral that started it gets in: another process, with no secret or with another
 * Corral's, can neither read nor touch a workflow Corral started, and that workflow runs on as if
 * nothing had been tried.
 */
class EmbeddedTemporalAccessTest {
  private static final String QUEUE = "access-test";
  private static final String NAMESPACE = "default";
  private static final String WORKFLOW = "corral-workflow";

  @WorkflowInterface
  public interface Waiter {
    @WorkflowMethod
    String run();

    @SignalMethod
    void go();
  }

  public static final class WaiterImpl implements Waiter {
    private boolean go;

    @Override
    public String run() {
      Workflow.await(() -> go);
      return "done";
    }

    @Override
    public void go() {
      go = true;
    }
  }

  private EmbeddedTemporal server;
  private WorkflowServiceStubs corralStubs;
  private WorkerFactory workers;
  private WorkflowClient corral;
  private final List<AutoCloseable> others = new ArrayList<>();

  @BeforeEach
  void startCorralsWorkflow() {
    server = EmbeddedTemporal.start("127.0.0.1", 0);
    corralStubs = WorkflowServiceStubs.newServiceStubs(server.clientOptions().build());
    corral = WorkflowClient.newInstance(corralStubs);
    workers = WorkerFactory.newInstance(corral);
    workers.newWorker(QUEUE).registerWorkflowImplementationTypes(WaiterImpl.class);
    workers.start();
    WorkflowClient.start(
        corral.newWorkflowStub(
                Waiter.class,
                WorkflowOptions.newBuilder().setWorkflowId(WORKFLOW).setTaskQueue(QUEUE).build())
            ::run);
  }

  @AfterEach
  void stop() throws Exception {
    for (AutoCloseable other : others) {
      other.close();
    }
    workers.shutdownNow();
    workers.awaitTermination(10, TimeUnit.SECONDS);
    corralStubs.shutdownNow();
    server.close();
  }

  @Test
  void aClientWithoutTheSecret_canNeitherListDescribeSignalNorTerminate_andTheWorkflowRunsOn() {
    assertRefusedEverything(
        stubs(WorkflowServiceStubsOptions.newBuilder().setTarget(server.target())));

    assertEquals(WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING, statusSeenByCorral());
  }

  @Test
  void aClientWithAnotherCorralsSecret_isRefusedToo() {
    EmbeddedTemporal otherCorrals = EmbeddedTemporal.start("127.0.0.1", 0);
    others.add(otherCorrals);

    assertRefusedEverything(stubs(otherCorrals.clientOptions().setTarget(server.target())));

    assertEquals(WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING, statusSeenByCorral());
  }

  @Test
  void corralsOwnClient_listsDescribesAndSignalsItsWorkflow() throws Exception {
    assertEquals(HealthCheckResponse.ServingStatus.SERVING, corralStubs.healthCheck().getStatus());
    assertEquals(
        WORKFLOW,
        corralStubs
            .blockingStub()
            .listOpenWorkflowExecutions(list())
            .getExecutions(0)
            .getExecution()
            .getWorkflowId());
    assertEquals(WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING, statusSeenByCorral());

    WorkflowStub workflow = corral.newUntypedWorkflowStub(WORKFLOW);
    workflow.signal("go");

    assertEquals("done", workflow.getResult(10, TimeUnit.SECONDS, String.class));
  }

  private WorkflowServiceStubs stubs(WorkflowServiceStubsOptions.Builder options) {
    WorkflowServiceStubs stubs = WorkflowServiceStubs.newServiceStubs(options.build());
    others.add(stubs::shutdownNow);
    return stubs;
  }

  private static void assertRefusedEverything(WorkflowServiceStubs stubs) {
    WorkflowServiceBlockingStub api = stubs.blockingStub();
    WorkflowExecution execution = WorkflowExecution.newBuilder().setWorkflowId(WORKFLOW).build();
    assertRefused("list", () -> api.listOpenWorkflowExecutions(list()));
    assertRefused(
        "describe",
        () ->
            api.describeWorkflowExecution(
                DescribeWorkflowExecutionRequest.newBuilder()
                    .setNamespace(NAMESPACE)
                    .setExecution(execution)
                    .build()));
    assertRefused(
        "signal",
        () ->
            api.signalWorkflowExecution(
                SignalWorkflowExecutionRequest.newBuilder()
                    .setNamespace(NAMESPACE)
                    .setWorkflowExecution(execution)
                    .setSignalName("go")
                    .build()));
    assertRefused(
        "terminate",
        () ->
            api.terminateWorkflowExecution(
                TerminateWorkflowExecutionRequest.newBuilder()
                    .setNamespace(NAMESPACE)
                    .setWorkflowExecution(execution)
                    .setReason("not yours")
                    .build()));
    assertRefused("health check", stubs::healthCheck);
  }

  private static void assertRefused(String call, Executable attempt) {
    StatusRuntimeException refused =
        assertThrows(StatusRuntimeException.class, attempt, call + " was let in");
    assertEquals(Status.Code.UNAUTHENTICATED, refused.getStatus().getCode(), call + ": " + refused);
  }

  private static ListOpenWorkflowExecutionsRequest list() {
    return ListOpenWorkflowExecutionsRequest.newBuilder().setNamespace(NAMESPACE).build();
  }

  private WorkflowExecutionStatus statusSeenByCorral() {
    return corral.newUntypedWorkflowStub(WORKFLOW).describe().getStatus();
  }
}
