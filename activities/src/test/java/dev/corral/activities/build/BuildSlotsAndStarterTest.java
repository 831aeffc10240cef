package dev.corral.activities.build;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.corral.activities.provider.simulated.SimulatedControls.Operation;
import dev.corral.activities.store.rows.BuildRow;
import dev.corral.activities.store.rows.TemplateRow;
import dev.corral.workflows.build.TemplateBuildWorkflow;
import dev.corral.workflows.model.BuildSteps;
import io.temporal.client.WorkflowFailedException;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Build slots per provider (max_concurrent_builds) and the build starter's start, retry and
 * refusals.
 */
class BuildSlotsAndStarterTest {
  private TemplateHarness h;

  @AfterEach
  void close() {
    if (h != null) {
      h.close();
    }
  }

  @Test
  void withOneBuildSlot_theSecondBuildIsQueuedUntilTheFirstEnds_thenRuns() throws Exception {
    h = TemplateHarness.start(new TemplateHarness.Options().maxConcurrentBuilds(1));
    TemplateRow first = h.rawTemplate("debian-12-a", "12.7");
    TemplateRow second = h.rawTemplate("debian-12-b", "12.8");
    h.gate.hold(BuildSteps.CONFIGURE);
    BuildRow a = h.starter.start(first.id());
    h.gate.awaitHeld();
    BuildRow b = h.starter.start(second.id());

    TemplateBuildWorkflow bWorkflow =
        h.client.newWorkflowStub(TemplateBuildWorkflow.class, b.workflowId());
    h.await("the second build asked for a slot", () -> BuildSteps.QUEUED.equals(bWorkflow.step()));
    // Let the queued build look again (its recheck timer, or a stray wake-up): it must stay queued.
    Thread.sleep(300);
    assertEquals(BuildRow.QUEUED, h.build(b.id()).state());
    assertEquals(BuildSteps.QUEUED, bWorkflow.step());
    assertEquals(BuildRow.RUNNING, h.build(a.id()).state());
    assertTrue(h.steps(b.id()).isEmpty(), "a queued build runs no step");
    assertEquals(1, h.provider.inventory().size(), "only the running build has a VM");

    h.gate.release();
    assertEquals("succeeded", h.workflow(a).getResult(60, SECONDS, String.class));
    assertEquals("succeeded", h.workflow(b).getResult(60, SECONDS, String.class));
    BuildRow aDone = h.build(a.id());
    BuildRow bDone = h.build(b.id());
    assertFalse(
        bDone.startedAt().isBefore(aDone.endedAt()),
        "never two builds at once: first ended "
            + aDone.endedAt()
            + ", second started "
            + bDone.startedAt());
  }

  @Test
  void startingTheSameSourceTwice_givesTheSameBuild() throws Exception {
    h = TemplateHarness.start();
    TemplateRow raw = h.rawTemplate("debian-12-a", "12.8");
    h.gate.hold(BuildSteps.DEPLOY);
    BuildRow first = h.starter.start(raw.id());
    h.gate.awaitHeld();
    BuildRow again = h.starter.start(raw.id());

    assertEquals(first.id(), again.id());
    assertEquals(first.workflowId(), again.workflowId());
    assertEquals(1, h.buildsOf(raw.id()).size());
    h.gate.release();
    assertEquals("succeeded", h.workflow(first).getResult(60, SECONDS, String.class));
    assertEquals(
        1,
        h.provider.templates().stream().filter(t -> t.prepared()).count(),
        "one prepared template");
    assertEquals(1, h.templates().stream().filter(TemplateRow::prepared).count());
  }

  @Test
  void retryOfAFailedBuild_isANewBuildOfTheSameSource_andTheFailedOneStays() throws Exception {
    h = TemplateHarness.start();
    TemplateRow raw = h.rawTemplate("debian-12-a", "12.8");
    h.provider.controls().failNextPermanently(Operation.SEAL, "seal script missing");
    BuildRow failed = h.starter.start(raw.id());
    assertThrows(
        WorkflowFailedException.class,
        () -> h.workflow(failed).getResult(60, SECONDS, String.class));

    BuildRow retry = h.starter.retry(failed.id());
    assertNotEquals(failed.id(), retry.id());
    assertEquals(failed.id(), retry.retryOf());
    assertEquals(raw.id(), retry.sourceTemplateId());
    assertEquals(failed.workflowId(), retry.workflowId(), "a new run under the same workflow id");
    assertNotEquals(failed.resultName(), retry.resultName());
    assertEquals("succeeded", h.workflow(retry).getResult(60, SECONDS, String.class));

    BuildRow old = h.build(failed.id());
    assertEquals(BuildRow.FAILED, old.state());
    assertEquals(BuildSteps.SEAL, old.step());
    assertNull(old.retryOf());
    assertEquals(BuildRow.SUCCEEDED, h.build(retry.id()).state());
    assertEquals(TemplateRow.READY, h.template(retry.resultName()).state());
    assertEquals(TemplateRow.FAILED, h.template(failed.resultName()).state());
    assertEquals(
        List.of(retry.id(), failed.id()), h.buildsOf(raw.id()).stream().map(BuildRow::id).toList());
  }

  @Test
  void retryOfABuildThatIsNotFailed_isRefused() throws Exception {
    h = TemplateHarness.start();
    TemplateRow raw = h.rawTemplate("debian-12-a", "12.8");
    h.gate.hold(BuildSteps.CONFIGURE);
    BuildRow running = h.starter.start(raw.id());
    h.gate.awaitHeld();

    BuildRefusedException refused =
        assertThrows(BuildRefusedException.class, () -> h.starter.retry(running.id()));
    assertEquals(BuildRefusedException.CONFLICT, refused.reason());
    h.gate.release();
    assertEquals("succeeded", h.workflow(running).getResult(60, SECONDS, String.class));
    assertEquals(
        BuildRefusedException.CONFLICT,
        assertThrows(BuildRefusedException.class, () -> h.starter.retry(running.id())).reason());
    assertEquals(
        BuildRefusedException.NOT_FOUND,
        assertThrows(BuildRefusedException.class, () -> h.starter.retry(999_999)).reason());
    assertEquals(1, h.buildsOf(raw.id()).size());
  }

  @Test
  void buildsOfPreparedOrUnknownTemplates_areRefused() throws Exception {
    h = TemplateHarness.start();
    TemplateRow raw = h.rawTemplate("debian-12-a", "12.8");
    BuildRow build = h.starter.start(raw.id());
    h.workflow(build).getResult(60, SECONDS, String.class);
    long prepared = h.build(build.id()).resultTemplateId();

    assertEquals(
        BuildRefusedException.INVALID,
        assertThrows(BuildRefusedException.class, () -> h.starter.start(prepared)).reason());
    assertEquals(
        BuildRefusedException.NOT_FOUND,
        assertThrows(BuildRefusedException.class, () -> h.starter.start(999_999)).reason());
  }
}
