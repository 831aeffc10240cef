package dev.corral.workflows.activity;

import dev.corral.workflows.model.BuildInput;
import dev.corral.workflows.model.StepRequest;
import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityMethod;

/**
 * The preparation chain's steps, run on the provider's task queue. Each records its start and end
 * in the database (so the API shows progress without Temporal) and is idempotent by the build's VM
 * and template names, because Temporal may run it again after a lost worker. A failure that
 * repeating cannot fix is thrown as a non-retryable {@code ApplicationFailure} (VersionMismatch,
 * TemplateNotFound, StepFailed).
 */
@ActivityInterface
public interface BuildStepActivities {
  @ActivityMethod(name = "Deploy")
  void deploy(StepRequest request);

  /** Compares the version the guest reports with the template's; a mismatch is final. */
  @ActivityMethod(name = "VerifyVersion")
  void verifyVersion(StepRequest request);

  @ActivityMethod(name = "Configure")
  void configure(StepRequest request);

  @ActivityMethod(name = "Seal")
  void seal(StepRequest request);

  @ActivityMethod(name = "PowerOff")
  void powerOff(StepRequest request);

  /** Turns the VM into the prepared template and records it ready; the build succeeds with it. */
  @ActivityMethod(name = "Finish")
  void finish(StepRequest request);

  /** Removes whatever the chain made (the VM, a half-made template). Safe to repeat. */
  @ActivityMethod(name = "DeleteOnError")
  void deleteOnError(BuildInput build);
}
