package dev.corral.web.temporal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityOptions;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowNotFoundException;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.worker.Worker;
import io.temporal.worker.WorkerFactory;
import io.temporal.workflow.SignalMethod;
import io.temporal.workflow.Workflow;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The embedded Temporal server's retention, against the real server over gRPC: workflows closed for
 * longer than the retention are forgotten with their histories and their timers (an activity's
 * 15-minute timeout no longer keeps its closed workflow in memory), open workflows are untouched
 * and still take signals, and a forgotten workflow's id can be used again.
 */
class EmbeddedTemporalHousekeepingTest {
  private static final String QUEUE = "housekeeping-test";

  @WorkflowInterface
  public interface Probe {
    @WorkflowMethod
    String run(boolean waitForSignal);

    @SignalMethod
    void go();
  }

  @ActivityInterface
  public interface Work {
    String work();
  }

  public static final class ProbeImpl implements Probe {
    // A long timeout, as Corral's clones have: its timer outlives the workflow by far.
    private final Work work =
        Workflow.newActivityStub(
            Work.class,
            ActivityOptions.newBuilder().setStartToCloseTimeout(Duration.ofMinutes(15)).build());
    private boolean go;

    @Override
    public String run(boolean waitForSignal) {
      String done = work.work();
      if (waitForSignal) {
        Workflow.await(Duration.ofMinutes(15), () -> go);
      }
      return done;
    }

    @Override
    public void go() {
      go = true;
    }
  }

  private EmbeddedTemporal server;
  private WorkflowServiceStubs stubs;
  private WorkerFactory workers;
  private WorkflowClient client;

  @BeforeEach
  void start() {
    server = EmbeddedTemporal.start("127.0.0.1", 0, Duration.ZERO, Duration.ofMillis(200));
    stubs = WorkflowServiceStubs.newServiceStubs(server.clientOptions().build());
    client = WorkflowClient.newInstance(stubs);
    workers = WorkerFactory.newInstance(client);
    Worker worker = workers.newWorker(QUEUE);
    worker.registerWorkflowImplementationTypes(ProbeImpl.class);
    worker.registerActivitiesImplementations((Work) () -> "done");
    workers.start();
  }

  @AfterEach
  void stop() throws InterruptedException {
    workers.shutdownNow();
    workers.awaitTermination(10, TimeUnit.SECONDS);
    stubs.shutdownNow();
    server.close();
  }

  @Test
  void closedWorkflowsAreForgottenWithTheirTimers_openOnesAreKept_andAForgottenIdCanBeUsedAgain()
      throws Exception {
    Probe open = client.newWorkflowStub(Probe.class, options("open"));
    WorkflowClient.start(open::run, true);
    List<String> closed = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      String id = "closed-" + i;
      assertEquals("done", client.newWorkflowStub(Probe.class, options(id)).run(false));
      closed.add(id);
    }

    await("every closed workflow forgotten", () -> server.executionsHeld() == 1);
    for (String id : List.of(closed.get(0), closed.get(199))) {
      WorkflowStub forgotten = client.newUntypedWorkflowStub(id);
      assertThrows(WorkflowNotFoundException.class, forgotten::describe, id + " is still known");
    }
    // 200 activity timeouts of 15 minutes each were queued; only the open workflow's timers remain.
    await("the timers of forgotten workflows dropped", () -> server.timersQueued() <= 5);
    assertTrue(server.timersQueued() >= 1, "the open workflow's own wait is still queued");

    WorkflowStub kept = WorkflowStub.fromTyped(open);
    kept.signal("go");
    assertEquals("done", kept.getResult(10, TimeUnit.SECONDS, String.class));
    assertEquals(
        "done",
        client.newWorkflowStub(Probe.class, options(closed.get(0))).run(false),
        "the id of a forgotten workflow starts a new one");
  }

  private static WorkflowOptions options(String id) {
    return WorkflowOptions.newBuilder().setWorkflowId(id).setTaskQueue(QUEUE).build();
  }

  private static void await(String what, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting until " + what);
      }
      Thread.sleep(50);
    }
  }
}
