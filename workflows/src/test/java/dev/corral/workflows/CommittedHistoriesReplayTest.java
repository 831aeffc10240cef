package dev.corral.workflows;

import dev.corral.workflows.build.TemplateBuildWorkflowImpl;
import dev.corral.workflows.shepherd.PoolShepherdWorkflowImpl;
import dev.corral.workflows.vm.VmWorkflowImpl;
import io.temporal.common.WorkflowExecutionHistory;
import io.temporal.testing.WorkflowReplayer;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Histories recorded by an earlier version of Corral (named in each file's directory), replayed by the code as it
 * is now: a change that would break a workflow already running in a cluster fails here first, not as a stuck pool
 * in production. Recorded with the real activities, database and simulated provider.
 */
class CommittedHistoriesReplayTest {
  @ParameterizedTest(name = "{0}")
  @CsvSource({
      "4970ad1/shepherd.json, shepherd",
      "4970ad1/vm-ready.json, vm",
      "4970ad1/vm-destroyed.json, vm",
      "4970ad1/vm-failed.json, vm",
      "4970ad1/build-succeeded.json, build",
      "4970ad1/build-failed-at-configure.json, build"})
  void historyOfAnEarlierVersion_replaysOnTheCurrentCode(String file, String type) throws Exception {
    Class<?> implementation = switch (type) {
      case "shepherd" -> PoolShepherdWorkflowImpl.class;
      case "vm" -> VmWorkflowImpl.class;
      case "build" -> TemplateBuildWorkflowImpl.class;
      default -> throw new IllegalArgumentException(type);
    };
    WorkflowReplayer.replayWorkflowExecution(read(file), implementation);
  }

  private static WorkflowExecutionHistory read(String file) throws IOException {
    try (InputStream in = CommittedHistoriesReplayTest.class.getResourceAsStream("histories/" + file)) {
      if (in == null) {
        throw new IOException("no history histories/" + file + " on the test classpath");
      }
      return WorkflowExecutionHistory.fromJson(new String(in.readAllBytes(), StandardCharsets.UTF_8));
    }
  }
}
