package dev.corral.workflows.model;

import java.util.List;

/**
 * Names of the preparation chain's steps, as the API, the database and the Temporal history show
 * them.
 */
public final class BuildSteps {
  public static final String DEPLOY = "deploy";
  public static final String VERIFY = "verify";
  public static final String CONFIGURE = "configure";
  public static final String SEAL = "seal";
  public static final String POWEROFF = "poweroff";
  public static final String FINISH = "finish";

  /** The rollback that runs when any step failed or the build was cancelled. */
  public static final String DELETE_ON_ERROR = "delete_on_error";

  /** Waiting for one of the provider's build slots. */
  public static final String QUEUED = "queued";

  public static final List<String> CHAIN =
      List.of(DEPLOY, VERIFY, CONFIGURE, SEAL, POWEROFF, FINISH);

  private BuildSteps() {}
}
