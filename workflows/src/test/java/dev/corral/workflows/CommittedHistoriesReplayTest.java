package dev.corral.workflows;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import dev.corral.workflows.build.TemplateBuildWorkflowImpl;
import dev.corral.workflows.lease.LeaseWaitWorkflowImpl;
import dev.corral.workflows.reconcile.ReconcilerWorkflowImpl;
import dev.corral.workflows.shepherd.PoolShepherdWorkflowImpl;
import dev.corral.workflows.task.VmTaskWorkflowImpl;
import dev.corral.workflows.tracker.TemplateTrackerWorkflowImpl;
import dev.corral.workflows.vm.VmWorkflowImpl;
import io.temporal.common.WorkflowExecutionHistory;
import io.temporal.testing.WorkflowReplayer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Histories recorded by earlier versions of Corral (each directory is named by the commit that
 * recorded it), replayed by the code as it is now: a change that would break a workflow already
 * running in a cluster fails here first, not as a stuck pool in production. Every file under {@code
 * histories/} is replayed; see its README.
 */
class CommittedHistoriesReplayTest {
  /**
   * Every workflow type, by the name its histories carry, and the implementation that must replay
   * them.
   */
  static final Map<String, Class<?>> IMPLEMENTATIONS =
      Map.of(
          "PoolShepherd", PoolShepherdWorkflowImpl.class,
          "VmLife", VmWorkflowImpl.class,
          "TemplateBuild", TemplateBuildWorkflowImpl.class,
          "TemplateTracker", TemplateTrackerWorkflowImpl.class,
          "Reconciler", ReconcilerWorkflowImpl.class,
          "LeaseWait", LeaseWaitWorkflowImpl.class,
          "VmTask", VmTaskWorkflowImpl.class);

  @ParameterizedTest(name = "{0}")
  @MethodSource("histories")
  void historyOfAnEarlierVersion_replaysOnTheCurrentCode(String file) throws Exception {
    WorkflowExecutionHistory history = read(file);
    Class<?> implementation = IMPLEMENTATIONS.get(typeOf(history));
    assertNotNull(
        implementation,
        file + " is a history of " + typeOf(history) + ", which IMPLEMENTATIONS lacks");
    try {
      WorkflowReplayer.replayWorkflowExecution(history, implementation);
    } catch (Exception e) {
      // Surefire reports a parameterized case by its index and a failure by its message's first
      // line: one line
      // naming the file and the mismatch.
      throw new AssertionError(
          "histories/"
              + file
              + " no longer replays on "
              + implementation.getSimpleName()
              + ": "
              + reason(e),
          e);
    }
  }

  @Test
  void everyWorkflowType_hasAtLeastOneCommittedHistory() throws IOException {
    Set<String> recorded = new TreeSet<>();
    for (String file : histories().toList()) {
      recorded.add(typeOf(read(file)));
    }
    assertEquals(
        new TreeSet<>(IMPLEMENTATIONS.keySet()),
        recorded,
        "record histories of a new workflow type (histories/README.md) before it ships");
  }

  @Test
  void everyWorkflowInterfaceOfTheModule_isMappedToItsImplementation() throws IOException {
    assertEquals(
        new TreeSet<>(IMPLEMENTATIONS.keySet()),
        WorkflowTypes.declaredIn(WorkflowIds.class),
        "a workflow interface was added or renamed: map it in IMPLEMENTATIONS and record its histories");
    IMPLEMENTATIONS.forEach(
        (type, implementation) ->
            assertEquals(
                Set.of(type),
                WorkflowTypes.implementedBy(implementation),
                implementation.getName()));
  }

  /**
   * Every history file, as a path under {@code histories/} ("4970ad1/vm-ready.json"), in name
   * order.
   */
  static Stream<String> histories() throws IOException {
    Path root = WorkflowTypes.classpathDirectory(CommittedHistoriesReplayTest.class, "histories");
    try (Stream<Path> files = Files.walk(root)) {
      List<String> names =
          files
              .filter(f -> f.toString().endsWith(".json"))
              .map(f -> root.relativize(f).toString().replace('\\', '/'))
              .sorted()
              .collect(Collectors.toList());
      return names.stream();
    }
  }

  /**
   * The replayer wraps non-determinism in a query failure whose message holds it, stack and all, on
   * one line.
   */
  private static String reason(Exception e) {
    String message = String.valueOf(e.getMessage());
    return message
        .lines()
        .filter(line -> line.contains("NonDeterministicException"))
        .findFirst()
        .map(line -> line.substring(line.indexOf("NonDeterministicException")))
        .orElseGet(() -> message.lines().findFirst().orElse(message));
  }

  private static WorkflowExecutionHistory read(String file) throws IOException {
    Path path =
        WorkflowTypes.classpathDirectory(CommittedHistoriesReplayTest.class, "histories")
            .resolve(file);
    return WorkflowExecutionHistory.fromJson(Files.readString(path, StandardCharsets.UTF_8));
  }

  private static String typeOf(WorkflowExecutionHistory history) {
    return history
        .getEvents()
        .get(0)
        .getWorkflowExecutionStartedEventAttributes()
        .getWorkflowType()
        .getName();
  }
}
