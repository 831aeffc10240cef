package dev.corral.web;

import dev.corral.activities.CorralWorkers;
import dev.corral.activities.provider.ProviderRegistry;
import dev.corral.config.CorralConfig;
import io.temporal.client.WorkflowClient;

/**
 * Bench access to {@link CorralApp}'s package-private start with ready-made providers, the one the
 * tests of several instances use: the bench passes its simulated provider wrapped in a call
 * counter; and to the app's own Temporal client, the only way into the embedded Temporal server,
 * which refuses callers without its secret. This class lives in bench/ only (same package name,
 * other jar), so CorralApp itself is unchanged.
 */
public final class BenchApps {
  private BenchApps() {}

  /** Starts Corral on {@code providers}, which the app does not close: the caller does. */
  public static CorralApp start(CorralConfig config, ProviderRegistry providers) {
    return CorralApp.start(config, CorralWorkers.DEFAULTS, providers, null);
  }

  /**
   * The app's client of its Temporal server, for reading histories and stopping workflows; the app
   * closes it.
   */
  public static WorkflowClient workflowClient(CorralApp app) {
    return app.workflowClient();
  }
}
