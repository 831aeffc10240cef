package dev.corral.activities.workflows;

import io.temporal.client.WorkflowClient;
import io.temporal.common.WorkflowExecutionHistory;
import io.temporal.testing.WorkflowReplayer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Where {@link HistoryRecorder} writes: the directory named by the system property {@link
 * #DIRECTORY}, which should be {@code
 * workflows/src/test/resources/dev/corral/workflows/histories/<commit>} of the commit recorded.
 */
final class HistoryFiles {
  static final String DIRECTORY = "corral.recordHistories";

  private HistoryFiles() {}

  /**
   * Writes the workflow's history (its latest run, running or closed) as {@code file}. It is
   * replayed on the code that wrote it first, so a history that could never replay is not
   * committed. An existing file is never overwritten: committed histories are never edited, a new
   * version of the code gets a directory of its own.
   */
  static void write(WorkflowClient client, String workflowId, Class<?> implementation, String file)
      throws Exception {
    WorkflowExecutionHistory history = client.fetchHistory(workflowId);
    WorkflowReplayer.replayWorkflowExecution(history, implementation);
    Path directory = Path.of(System.getProperty(DIRECTORY));
    Files.createDirectories(directory);
    try {
      Files.writeString(
          directory.resolve(file),
          history.toJson(true) + "\n",
          StandardCharsets.UTF_8,
          StandardOpenOption.CREATE_NEW);
    } catch (FileAlreadyExistsException e) {
      throw new IOException(
          e.getFile() + " exists: histories are never rewritten; record into a new directory", e);
    }
  }
}
